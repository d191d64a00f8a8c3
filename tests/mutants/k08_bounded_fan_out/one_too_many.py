"""Mutant: an off-by-one in a sliding window. Each item is submitted first and the window is
checked after: it waits only once MORE than `limit` are running, so `limit + 1` tasks are in
flight all the time."""

import asyncio

from solutions.k08_bounded_fan_out.kata import *  # the solution, but for process_bounded

BREAKS = "never-more-than-limit"
SAYS = ("off-by-one",)


async def process_bounded(service, items, limit: int) -> list:
    results = [None] * len(items)
    index_of = {}

    async def collect(return_when) -> None:
        done, _ = await asyncio.wait(index_of, return_when=return_when)
        for future in done:
            results[index_of.pop(future)] = future.result()

    for index, item in enumerate(items):
        index_of[asyncio.ensure_future(work.remote(service, item))] = index
        if len(index_of) > limit:  # `>=` was meant: the window is already one too wide
            await collect(asyncio.FIRST_COMPLETED)
    if index_of:
        await collect(asyncio.ALL_COMPLETED)
    return results
