"""Mutant: asks reserve() before taking the host's lock, and sleeps that wait once it holds
the lock. The wait was worked out for a moment long gone: after a slow answer the next
request still sleeps its whole wait, and each one behind it sleeps even longer."""

import asyncio

from solutions.k23_politeness import kata as solution
from solutions.k23_politeness.kata import *  # the solution, but for _fetch_in_turn
from tests.variant_tools import rebuilt

BREAKS = "gap-counts-from-the-start"
SAYS = ("before taking the lock",)


async def _fetch_in_turn(url: str, fetch: Fetch, scheduler: HostScheduler, locks) -> FetchResult:
    origin = origin_of(url)
    wait = scheduler.reserve(origin)  # the mistake: worked out before the lock...
    async with locks[origin]:
        await asyncio.sleep(wait)  # ...and slept after it, when it is stale
        return await fetch(url)


# The solution's polite_fetch_all, rebuilt over this module's names: it calls the one above.
polite_fetch_all = rebuilt(solution.polite_fetch_all, globals())
