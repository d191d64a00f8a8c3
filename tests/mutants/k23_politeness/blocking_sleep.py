"""Mutant: waits for the slot with time.sleep instead of asyncio.sleep. The spacing is right,
but the event loop is frozen while it waits: no other host's request, no other coroutine of
the fetcher actor, moves meanwhile."""

import asyncio
import time
from collections import defaultdict

from solutions.k23_politeness.kata import *

BREAKS = "waits-without-blocking-the-loop"
SAYS = ("time.sleep", "froze")


async def polite_fetch_all(urls: list[str], fetch: Fetch, delay: float) -> list[FetchResult]:
    scheduler = HostScheduler(delay)
    locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def politely(url: str) -> FetchResult:
        origin = origin_of(url)
        async with locks[origin]:
            time.sleep(scheduler.reserve(origin))  # the mistake: blocks the event loop
            return await fetch(url)

    return list(await asyncio.gather(*(politely(url) for url in urls)))
