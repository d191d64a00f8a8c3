"""Mutant: collects the results as they finish (asyncio.as_completed). Politeness changes
the finishing order, so the caller cannot tell which result belongs to which URL."""

import asyncio
from collections import defaultdict

from solutions.k23_politeness.kata import *
from solutions.k23_politeness.kata import _fetch_in_turn

BREAKS = "results-in-the-order-of-the-urls"
SAYS = ("order they finished",)


async def polite_fetch_all(urls: list[str], fetch: Fetch, delay: float) -> list[FetchResult]:
    scheduler = HostScheduler(delay)
    locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
    turns = [_fetch_in_turn(url, fetch, scheduler, locks) for url in urls]
    # the mistake: finishing order, not the order of `urls`
    return [await done for done in asyncio.as_completed(turns)]
