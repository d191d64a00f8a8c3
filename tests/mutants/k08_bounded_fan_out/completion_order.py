"""Mutant: a correct sliding window (asyncio.wait with FIRST_COMPLETED), but each result is
appended when its call finishes, so the list is in completion order, not items order."""

import asyncio

from solutions.k08_bounded_fan_out.kata import *  # the solution, but for process_bounded

BREAKS = "results-in-items-order"
SAYS = ("order the calls finished",)


async def process_bounded(service, items, limit: int) -> list:
    results, pending = [], set()
    todo = iter(items)
    for item in todo:
        pending.add(asyncio.ensure_future(work.remote(service, item)))
        if len(pending) == limit:
            break
    while pending:
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        for future in done:
            results.append(future.result())
            item = next(todo, None)
            if item is not None:
                pending.add(asyncio.ensure_future(work.remote(service, item)))
    return results
