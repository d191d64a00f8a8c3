"""Mutant: handles every result as it completes, and also returns the list of results. The
caller was promised None: the results go to handle()."""

import asyncio

from solutions.k04_as_completed.kata import *  # the solution, but for handle_as_completed

BREAKS = "returns-none"
SAYS = ("returning the results",)


async def handle_as_completed(service, items, handle) -> None:
    results = []
    for next_done in asyncio.as_completed([lookup.remote(service, item) for item in items]):
        results.append(await next_done)
        handle(results[-1])
    return results
