"""Mutant: every request books its slot up front, then waits for the host's lock. Fine
while the host answers within the delay; but while one slow answer holds the lock, the slots
booked behind it pass by, and the requests waiting there then go back to back."""

import asyncio
from collections import defaultdict

from solutions.k23_politeness.kata import *

BREAKS = "books-the-slot-holding-the-lock"
SAYS = ("before waiting for the host's lock",)


async def polite_fetch_all(urls: list[str], fetch: Fetch, delay: float) -> list[FetchResult]:
    scheduler = HostScheduler(delay)
    locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def politely(url: str) -> FetchResult:
        origin = origin_of(url)
        await asyncio.sleep(scheduler.reserve(origin))  # the mistake: booked before the lock
        async with locks[origin]:
            return await fetch(url)

    return list(await asyncio.gather(*(politely(url) for url in urls)))
