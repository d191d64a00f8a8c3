"""Mutant: a semaphore of 5, written as a number instead of the `limit` argument. With a limit
of 5 it looks perfect; with any other limit it lets the wrong number of tasks run."""

import asyncio

from solutions.k08_bounded_fan_out.kata import *  # the solution, but for process_bounded

BREAKS = "never-more-than-limit"
SAYS = ("hard-coded",)


async def process_bounded(service, items, limit: int) -> list:
    semaphore = asyncio.Semaphore(5)

    async def one(item):
        async with semaphore:
            return await work.remote(service, item)

    return await asyncio.gather(*(one(item) for item in items))
