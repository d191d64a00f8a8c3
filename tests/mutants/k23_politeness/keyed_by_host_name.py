"""Mutant: politeness per host NAME, not per origin: http://a.test, https://a.test and
http://a.test:8080 share one lock and one schedule, although they are three origins (and
may well be three servers)."""

import asyncio
from urllib.parse import urlsplit

from solutions.k23_politeness import kata as solution
from solutions.k23_politeness.kata import *  # the solution, but for _fetch_in_turn
from tests.variant_tools import rebuilt

BREAKS = "politeness-is-per-origin"
SAYS = ("host name", "origin_of")


async def _fetch_in_turn(url: str, fetch: Fetch, scheduler: HostScheduler, locks) -> FetchResult:
    host = urlsplit(url).hostname or ""  # the mistake: the host name, not the origin
    async with locks[host]:
        await asyncio.sleep(scheduler.reserve(host))
        return await fetch(url)


# The solution's polite_fetch_all, rebuilt over this module's names: it calls the one above.
polite_fetch_all = rebuilt(solution.polite_fetch_all, globals())
