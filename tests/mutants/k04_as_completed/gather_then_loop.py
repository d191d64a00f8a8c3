"""Mutant: gather every result, then loop over them calling handle. All tasks run at once,
but nothing is handled until the slowest one has finished."""

import asyncio

from solutions.k04_as_completed.kata import *  # the solution, but for handle_as_completed

BREAKS = "handles-as-soon-as-ready"
SAYS = ("nothing is handled until every call has finished", "gather")


async def handle_as_completed(service, items, handle) -> None:
    results = await asyncio.gather(*[lookup.remote(service, item) for item in items])
    for result in results:
        handle(result)
