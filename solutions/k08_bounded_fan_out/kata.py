"""Kata 08 · Bounded fan-out: reference solution."""

import asyncio

from katas.k08_bounded_fan_out.kata import work  # given: the remote task


async def process_bounded(service, items, limit: int) -> list:
    """Run `work` for every item, with at most `limit` tasks in flight at any moment, starting
    the next item as soon as any running one finishes. Return the results in items order."""
    semaphore = asyncio.Semaphore(limit)

    async def one(item):
        # The .remote() call is INSIDE the semaphore: .remote() is what starts the Ray task,
        # so that is what must wait for a free slot. Leaving the block frees the slot at once,
        # and the next waiting coroutine submits its item: a sliding window, not batches.
        async with semaphore:
            return await work.remote(service, item)

    # gather keeps the order of its arguments, so results line up with items.
    return await asyncio.gather(*(one(item) for item in items))
