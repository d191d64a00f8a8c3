"""Mutant: fixed batches of `limit`. Never more than `limit` in flight, but each batch waits
for its slowest call: one slow item leaves the other slots idle until it finishes."""

import asyncio

import ray

REJECTED_BY = "test_new_work_starts_while_a_slow_call_runs"


@ray.remote(num_cpus=0)
def work(service, item):
    return service.call(item)


async def process_bounded(service, items, limit: int) -> list:
    results = []
    for start in range(0, len(items), limit):
        batch = items[start : start + limit]
        results += await asyncio.gather(*[work.remote(service, item) for item in batch])
    return results
