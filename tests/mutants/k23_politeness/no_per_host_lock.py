"""Mutant: the schedule spaces the starts, but nothing keeps one request at a time per host:
on a host slower than the delay, the next request starts while the previous one is still
being answered."""

import asyncio

from solutions.k23_politeness import kata as solution
from solutions.k23_politeness.kata import *  # the solution, but for _fetch_in_turn
from tests.variant_tools import rebuilt

BREAKS = "one-request-at-a-time-per-origin"
SAYS = ("asyncio.Lock",)


async def _fetch_in_turn(url: str, fetch: Fetch, scheduler: HostScheduler, locks) -> FetchResult:
    # the mistake: starts spaced, but nothing waits for the previous answer
    await asyncio.sleep(scheduler.reserve(origin_of(url)))
    return await fetch(url)


# The solution's polite_fetch_all, rebuilt over this module's names: it calls the one above.
polite_fetch_all = rebuilt(solution.polite_fetch_all, globals())
