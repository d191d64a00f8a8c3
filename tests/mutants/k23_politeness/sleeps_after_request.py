"""Mutant: the naive pause, `fetch` then `sleep(delay)` while still holding the host's lock.
The gap is counted from the END of each request: a host that takes longer than the delay
to answer waits the delay again, and its crawl takes (latency + delay) per page."""

import asyncio
from collections import defaultdict

from solutions.k23_politeness.kata import *

BREAKS = "gap-counts-from-the-start"
SAYS = ("after each request",)


async def polite_fetch_all(urls: list[str], fetch: Fetch, delay: float) -> list[FetchResult]:
    locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def politely(url: str) -> FetchResult:
        async with locks[origin_of(url)]:
            result = await fetch(url)
            await asyncio.sleep(delay)  # the mistake: the gap counted from the end
            return result

    return list(await asyncio.gather(*(politely(url) for url in urls)))
