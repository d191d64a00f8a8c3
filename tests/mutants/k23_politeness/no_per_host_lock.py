"""Mutant: the schedule spaces the starts, but nothing keeps one request at a time per host:
on a host slower than the delay, the next request starts while the previous one is still
being answered."""

import asyncio

from solutions.k23_politeness.kata import *

BREAKS = "one-request-at-a-time-per-origin"
SAYS = ("asyncio.Lock",)


async def polite_fetch_all(urls: list[str], fetch: Fetch, delay: float) -> list[FetchResult]:
    scheduler = HostScheduler(delay)

    async def politely(url: str) -> FetchResult:
        # the mistake: starts spaced, but nothing waits for the previous answer
        await asyncio.sleep(scheduler.reserve(origin_of(url)))
        return await fetch(url)

    return list(await asyncio.gather(*(politely(url) for url in urls)))
