"""Mutant: politeness keyed by the URL's netloc as written. HTTP://A.TEST:80/x and
http://a.test/y are one origin, but 'A.TEST:80' and 'a.test' get a lock each: two requests
in flight to one server."""

import asyncio
from collections import defaultdict
from urllib.parse import urlsplit

from solutions.k23_politeness.kata import *

BREAKS = "politeness-is-per-origin"
SAYS = ("as written", "origin_of")


async def polite_fetch_all(urls: list[str], fetch: Fetch, delay: float) -> list[FetchResult]:
    scheduler = HostScheduler(delay)
    locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def politely(url: str) -> FetchResult:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"  # the mistake: the spelling, not the origin
        async with locks[key]:
            await asyncio.sleep(scheduler.reserve(key))
            return await fetch(url)

    return list(await asyncio.gather(*(politely(url) for url in urls)))
