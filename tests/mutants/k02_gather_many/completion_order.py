"""Mutant: results collected with `asyncio.as_completed` and returned in the order the calls
finished. Everything runs at once, but the results no longer line up with `items`."""

import asyncio

import ray

REJECTED_BY = "test_results_in_the_order_of_items_not_of_completion"


@ray.remote(num_cpus=0)
def lookup(service, item):
    return service.call(item)


async def lookup_all(service, items) -> list:
    refs = [lookup.remote(service, item) for item in items]
    return [await next_done for next_done in asyncio.as_completed(refs)]
