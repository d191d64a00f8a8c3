"""Mutant: politeness keyed by the URL's netloc as written. HTTP://A.TEST:80/x and
http://a.test/y are one origin, but 'A.TEST:80' and 'a.test' get a lock each: two requests
in flight to one server."""

import asyncio
from urllib.parse import urlsplit

from solutions.k23_politeness import kata as solution
from solutions.k23_politeness.kata import *  # the solution, but for _fetch_in_turn
from tests.variant_tools import rebuilt

BREAKS = "politeness-is-per-origin"
SAYS = ("as written", "origin_of")


async def _fetch_in_turn(url: str, fetch: Fetch, scheduler: HostScheduler, locks) -> FetchResult:
    parts = urlsplit(url)
    key = f"{parts.scheme}://{parts.netloc}"  # the mistake: the spelling, not the origin
    async with locks[key]:
        await asyncio.sleep(scheduler.reserve(key))
        return await fetch(url)


# The solution's polite_fetch_all, rebuilt over this module's names: it calls the one above.
polite_fetch_all = rebuilt(solution.polite_fetch_all, globals())
