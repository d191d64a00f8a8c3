"""Mutant: every request books its slot up front, then waits for the host's lock. Fine
while the host answers within the delay; but while one slow answer holds the lock, the slots
booked behind it pass by, and the requests waiting there then go back to back."""

import asyncio

from solutions.k23_politeness import kata as solution
from solutions.k23_politeness.kata import *  # the solution, but for _fetch_in_turn
from tests.variant_tools import rebuilt

BREAKS = "books-the-slot-holding-the-lock"
SAYS = ("before waiting for the host's lock",)


async def _fetch_in_turn(url: str, fetch: Fetch, scheduler: HostScheduler, locks) -> FetchResult:
    origin = origin_of(url)
    await asyncio.sleep(scheduler.reserve(origin))  # the mistake: booked before the lock
    async with locks[origin]:
        return await fetch(url)


# The solution's polite_fetch_all, rebuilt over this module's names: it calls the one above.
polite_fetch_all = rebuilt(solution.polite_fetch_all, globals())
