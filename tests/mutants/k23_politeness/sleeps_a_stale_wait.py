"""Mutant: asks reserve() before taking the host's lock, and sleeps that wait once it holds
the lock. The wait was worked out for a moment long gone: after a slow answer the next
request still sleeps its whole wait, and each one behind it sleeps even longer."""

import asyncio
from collections import defaultdict

from solutions.k23_politeness.kata import *

BREAKS = "gap-counts-from-the-start"
SAYS = ("before taking the lock",)


async def polite_fetch_all(urls: list[str], fetch: Fetch, delay: float) -> list[FetchResult]:
    scheduler = HostScheduler(delay)
    locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def politely(url: str) -> FetchResult:
        origin = origin_of(url)
        wait = scheduler.reserve(origin)  # the mistake: worked out before the lock...
        async with locks[origin]:
            await asyncio.sleep(wait)  # ...and slept after it, when it is stale
            return await fetch(url)

    return list(await asyncio.gather(*(politely(url) for url in urls)))
