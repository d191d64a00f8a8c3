"""Alternative: `limit` worker coroutines pull (index, item) pairs from an asyncio.Queue.
Each worker has at most one call in flight and takes the next item as soon as it is done."""

import asyncio

from solutions.k08_bounded_fan_out.kata import *  # the solution, but for process_bounded


async def process_bounded(service, items, limit: int) -> list:
    queue: asyncio.Queue = asyncio.Queue()
    for pair in enumerate(items):
        queue.put_nowait(pair)
    results = [None] * len(items)

    async def worker() -> None:
        while not queue.empty():
            index, item = queue.get_nowait()
            results[index] = await work.remote(service, item)

    await asyncio.gather(*(worker() for _ in range(limit)))
    return results
