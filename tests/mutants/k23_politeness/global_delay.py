"""Mutant: one lock and one schedule for the whole crawl instead of one per host. Every
request is polite to every host at once: the crawl goes one page at a time, and three hosts
take three times as long as they need."""

import asyncio

from solutions.k23_politeness import kata as solution
from solutions.k23_politeness.kata import *  # the solution, but for _fetch_in_turn
from tests.variant_tools import rebuilt

BREAKS = "hosts-side-by-side"
SAYS = ("one lock for all hosts",)


async def _fetch_in_turn(url: str, fetch: Fetch, scheduler: HostScheduler, locks) -> FetchResult:
    async with locks["everyone"]:  # the mistake: one lock and one slot for every host
        await asyncio.sleep(scheduler.reserve("everyone"))
        return await fetch(url)


# The solution's polite_fetch_all, rebuilt over this module's names: it calls the one above.
polite_fetch_all = rebuilt(solution.polite_fetch_all, globals())
