"""Mutant: a sliding window that starts ONE new item each time asyncio.wait returns, however
many calls it reports done. When several finish at once, only one slot is refilled; the
others stay idle for the rest of the run, and the window shrinks."""

import asyncio

from solutions.k08_bounded_fan_out.kata import *  # the solution, but for process_bounded

BREAKS = "fills-every-slot"
SAYS = ("one new item per wake-up",)


async def process_bounded(service, items, limit: int) -> list:
    results = [None] * len(items)
    index_of = {}
    upcoming = iter(enumerate(items))

    def start_next() -> None:
        for index, item in upcoming:
            index_of[asyncio.ensure_future(work.remote(service, item))] = index
            return

    for _ in range(limit):
        start_next()
    while index_of:
        done, _ = await asyncio.wait(index_of, return_when=asyncio.FIRST_COMPLETED)
        for future in done:
            results[index_of.pop(future)] = future.result()
        start_next()  # one refill per wake-up, not one per finished call
    return results
