"""Mutant: a semaphore around each `await ref`, but every ref was created first. .remote()
already started all 100 Ray tasks; the semaphore only limits how many the driver waits on."""

import asyncio

from solutions.k08_bounded_fan_out.kata import *  # the solution, but for process_bounded

BREAKS = "never-more-than-limit"
SAYS = ("start everything at once", "call .remote() inside the semaphore")


async def process_bounded(service, items, limit: int) -> list:
    semaphore = asyncio.Semaphore(limit)
    refs = [work.remote(service, item) for item in items]

    async def one(ref):
        async with semaphore:
            return await ref

    return await asyncio.gather(*(one(ref) for ref in refs))
