"""Mutant: the naive pause, `fetch` then `sleep(delay)` while still holding the host's lock.
The gap is counted from the END of each request: a host that takes longer than the delay
to answer waits the delay again, and its crawl takes (latency + delay) per page."""

import asyncio

from solutions.k23_politeness import kata as solution
from solutions.k23_politeness.kata import *  # the solution, but for _fetch_in_turn
from tests.variant_tools import rebuilt

BREAKS = "gap-counts-from-the-start"
SAYS = ("after each request",)


async def _fetch_in_turn(url: str, fetch: Fetch, scheduler: HostScheduler, locks) -> FetchResult:
    async with locks[origin_of(url)]:
        result = await fetch(url)
        await asyncio.sleep(scheduler.delay)  # the mistake: the gap counted from the end
        return result


# The solution's polite_fetch_all, rebuilt over this module's names: it calls the one above.
polite_fetch_all = rebuilt(solution.polite_fetch_all, globals())
