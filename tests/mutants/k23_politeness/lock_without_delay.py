"""Mutant: one request at a time per host, and no gap at all: a fast host is asked again the
moment it answers. One at a time is not polite enough: the delay is the politeness."""

from solutions.k23_politeness import kata as solution
from solutions.k23_politeness.kata import *  # the solution, but for _fetch_in_turn
from tests.variant_tools import rebuilt

BREAKS = "starts-delay-apart"
SAYS = ("no wait",)


async def _fetch_in_turn(url: str, fetch: Fetch, scheduler: HostScheduler, locks) -> FetchResult:
    async with locks[origin_of(url)]:  # the mistake: one at a time, but no gap at all
        return await fetch(url)


# The solution's polite_fetch_all, rebuilt over this module's names: it calls the one above.
polite_fetch_all = rebuilt(solution.polite_fetch_all, globals())
