"""Mutant: waits for the slot with time.sleep instead of asyncio.sleep. The spacing is right,
but the event loop is frozen while it waits: no other host's request, no other coroutine of
the fetcher actor, moves meanwhile."""

import time

from solutions.k23_politeness import kata as solution
from solutions.k23_politeness.kata import *  # the solution, but for _fetch_in_turn
from tests.variant_tools import rebuilt

BREAKS = "waits-without-blocking-the-loop"
SAYS = ("time.sleep", "froze")


async def _fetch_in_turn(url: str, fetch: Fetch, scheduler: HostScheduler, locks) -> FetchResult:
    origin = origin_of(url)
    async with locks[origin]:
        time.sleep(scheduler.reserve(origin))  # the mistake: blocks the event loop
        return await fetch(url)


# The solution's polite_fetch_all, rebuilt over this module's names: it calls the one above.
polite_fetch_all = rebuilt(solution.polite_fetch_all, globals())
