"""Mutant: no limit at all. All 100 tasks are submitted at once and gathered; the `limit`
argument is ignored."""

import asyncio

import ray

REJECTED_BY = "test_never_more_than_limit_in_flight"


@ray.remote(num_cpus=0)
def work(service, item):
    return service.call(item)


async def process_bounded(service, items, limit: int) -> list:
    return await asyncio.gather(*[work.remote(service, item) for item in items])
