"""Mutant: one lock per origin, but the schedule booked per host NAME: the first request to
https://a.test waits for http://a.test's gap, although they are two origins."""

import asyncio
from urllib.parse import urlsplit

from solutions.k23_politeness import kata as solution
from solutions.k23_politeness.kata import *  # the solution, but for _fetch_in_turn
from tests.variant_tools import rebuilt

BREAKS = "politeness-is-per-origin"
SAYS = ("schedule keyed by the host name",)


async def _fetch_in_turn(url: str, fetch: Fetch, scheduler: HostScheduler, locks) -> FetchResult:
    async with locks[origin_of(url)]:
        host = urlsplit(url).hostname or ""  # the mistake: the slot of the host name
        await asyncio.sleep(scheduler.reserve(host))
        return await fetch(url)


# The solution's polite_fetch_all, rebuilt over this module's names: it calls the one above.
polite_fetch_all = rebuilt(solution.polite_fetch_all, globals())
