"""Mutant: .remote() is called inside the semaphore, but the slot is given back as soon as the
ref exists, and the ref is awaited outside it. That paces how fast tasks are started, not how
many run: all 100 are in flight at once (found by an answer written from the README alone)."""

import asyncio

from solutions.k08_bounded_fan_out.kata import *  # the solution, but for process_bounded

BREAKS = "never-more-than-limit"
SAYS = ("a slot given back as soon as .remote() has returned", "keep the slot until")


async def process_bounded(service, items, limit: int) -> list:
    semaphore = asyncio.Semaphore(limit)

    async def one(item):
        async with semaphore:
            ref = work.remote(service, item)
        return await ref

    return await asyncio.gather(*(one(item) for item in items))
