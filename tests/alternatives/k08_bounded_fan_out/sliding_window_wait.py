"""Alternative: a sliding window with asyncio.wait(FIRST_COMPLETED). Refs are wrapped with
asyncio.ensure_future (asyncio.wait refuses raw ObjectRefs); each finished slot is refilled
at once, and each future remembers its item's index so the results stay in items order."""

import asyncio

from solutions.k08_bounded_fan_out.kata import *  # the solution, but for process_bounded


async def process_bounded(service, items, limit: int) -> list:
    results = [None] * len(items)
    index_of = {}
    upcoming = iter(enumerate(items))

    def start_next() -> None:
        for index, item in upcoming:
            future = asyncio.ensure_future(work.remote(service, item))
            index_of[future] = index
            return

    for _ in range(limit):
        start_next()
    while index_of:
        done, _ = await asyncio.wait(index_of, return_when=asyncio.FIRST_COMPLETED)
        for future in done:
            results[index_of.pop(future)] = future.result()
            start_next()
    return results
