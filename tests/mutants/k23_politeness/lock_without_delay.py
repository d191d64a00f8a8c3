"""Mutant: one request at a time per host, and no gap at all: a fast host is asked again the
moment it answers. One at a time is not polite enough: the delay is the politeness."""

import asyncio
from collections import defaultdict

from solutions.k23_politeness.kata import *

BREAKS = "starts-delay-apart"
SAYS = ("no wait",)


async def polite_fetch_all(urls: list[str], fetch: Fetch, delay: float) -> list[FetchResult]:
    locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def politely(url: str) -> FetchResult:
        async with locks[origin_of(url)]:  # the mistake: one at a time, but no gap at all
            return await fetch(url)

    return list(await asyncio.gather(*(politely(url) for url in urls)))
