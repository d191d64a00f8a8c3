"""Mutant: a semaphore around each `await ref`, but every ref was created first. .remote()
already started all 100 Ray tasks; the semaphore only limits how many the driver waits on."""

import asyncio

import ray

REJECTED_BY = "test_never_more_than_limit_in_flight"


@ray.remote(num_cpus=0)
def work(service, item):
    return service.call(item)


async def process_bounded(service, items, limit: int) -> list:
    semaphore = asyncio.Semaphore(limit)
    refs = [work.remote(service, item) for item in items]

    async def one(ref):
        async with semaphore:
            return await ref

    return await asyncio.gather(*(one(ref) for ref in refs))
