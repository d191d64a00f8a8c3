"""Mutant: gather(..., return_exceptions=True), then everything goes into successes. The
exceptions sit in the results list like any other value and nobody sorts them out."""

import asyncio

import ray

REJECTED_BY = "test_every_item_is_accounted_for"


@ray.remote(num_cpus=0)
def price(service, item):
    return service.call(item)


async def run_batch(service, items) -> tuple[dict, dict]:
    outcomes = await asyncio.gather(
        *[price.remote(service, item) for item in items], return_exceptions=True
    )
    return dict(zip(items, outcomes)), {}
