"""Mutant: one lock and one schedule for the whole crawl instead of one per host. Every
request is polite to every host at once: the crawl goes one page at a time, and three hosts
take three times as long as they need."""

import asyncio

from solutions.k23_politeness.kata import *

BREAKS = "hosts-side-by-side"
SAYS = ("one lock for all hosts",)


async def polite_fetch_all(urls: list[str], fetch: Fetch, delay: float) -> list[FetchResult]:
    scheduler = HostScheduler(delay)
    lock = asyncio.Lock()

    async def politely(url: str) -> FetchResult:
        async with lock:  # the mistake: one lock and one slot for every host
            await asyncio.sleep(scheduler.reserve("everyone"))
            return await fetch(url)

    return list(await asyncio.gather(*(politely(url) for url in urls)))
