"""Mutant: politeness per host NAME, not per origin: http://a.test, https://a.test and
http://a.test:8080 share one lock and one schedule, although they are three origins (and
may well be three servers)."""

import asyncio
from collections import defaultdict
from urllib.parse import urlsplit

from solutions.k23_politeness.kata import *

BREAKS = "politeness-is-per-origin"
SAYS = ("host name", "origin_of")


async def polite_fetch_all(urls: list[str], fetch: Fetch, delay: float) -> list[FetchResult]:
    scheduler = HostScheduler(delay)
    locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def politely(url: str) -> FetchResult:
        host = urlsplit(url).hostname or ""  # the mistake: the host name, not the origin
        async with locks[host]:
            await asyncio.sleep(scheduler.reserve(host))
            return await fetch(url)

    return list(await asyncio.gather(*(politely(url) for url in urls)))
