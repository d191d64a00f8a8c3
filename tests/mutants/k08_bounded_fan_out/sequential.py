"""Mutant: one at a time. Each item is awaited before the next is submitted, so at most one
call is ever in flight: safe, and five times slower than it needs to be."""

import ray

REJECTED_BY = "test_never_more_than_limit_in_flight"


@ray.remote(num_cpus=0)
def work(service, item):
    return service.call(item)


async def process_bounded(service, items, limit: int) -> list:
    return [await work.remote(service, item) for item in items]
