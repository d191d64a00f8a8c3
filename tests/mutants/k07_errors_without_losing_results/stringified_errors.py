"""Mutant: every result is kept, but each error is flattened into RuntimeError(str(e)). The
text survives; the type does not, so `except OutOfStock` no longer catches it."""

import asyncio

import ray

REJECTED_BY = "test_failure_types_are_preserved"


@ray.remote(num_cpus=0)
def price(service, item):
    return service.call(item)


async def run_batch(service, items) -> tuple[dict, dict]:
    outcomes = await asyncio.gather(
        *[price.remote(service, item) for item in items], return_exceptions=True
    )
    successes, failures = {}, {}
    for item, outcome in zip(items, outcomes):
        if isinstance(outcome, Exception):
            failures[item] = RuntimeError(str(outcome))
        else:
            successes[item] = outcome
    return successes, failures
