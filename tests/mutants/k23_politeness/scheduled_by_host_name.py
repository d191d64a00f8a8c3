"""Mutant: one lock per origin, but the schedule booked per host NAME: the first request to
https://a.test waits for http://a.test's gap, although they are two origins."""

import asyncio
from collections import defaultdict
from urllib.parse import urlsplit

from solutions.k23_politeness.kata import *

BREAKS = "politeness-is-per-origin"
SAYS = ("schedule keyed by the host name",)


async def polite_fetch_all(urls: list[str], fetch: Fetch, delay: float) -> list[FetchResult]:
    scheduler = HostScheduler(delay)
    locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def politely(url: str) -> FetchResult:
        async with locks[origin_of(url)]:
            host = urlsplit(url).hostname or ""  # the mistake: the slot of the host name
            await asyncio.sleep(scheduler.reserve(host))
            return await fetch(url)

    return list(await asyncio.gather(*(politely(url) for url in urls)))
