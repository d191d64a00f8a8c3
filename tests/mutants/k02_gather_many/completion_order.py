"""Mutant: results collected with `asyncio.as_completed` and returned in the order the calls
finished. Everything runs at once, but the results no longer line up with `items`."""

import asyncio

from solutions.k02_gather_many.kata import *  # the solution, but for lookup_all

BREAKS = "results-in-item-order"
SAYS = ("finished", "as_completed")


async def lookup_all(service, items) -> list:
    refs = [lookup.remote(service, item) for item in items]
    return [await next_done for next_done in asyncio.as_completed(refs)]
