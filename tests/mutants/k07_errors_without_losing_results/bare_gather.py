"""Mutant: a bare asyncio.gather inside a try/except. The first failure makes gather raise at
once; the slower tasks keep running, but run_batch only keeps what had finished by then, so
their results are lost."""

import asyncio

import ray

REJECTED_BY = "test_one_failure_loses_no_results"


@ray.remote(num_cpus=0)
def price(service, item):
    return service.call(item)


async def run_batch(service, items) -> tuple[dict, dict]:
    futures = {item: asyncio.ensure_future(price.remote(service, item)) for item in items}
    try:
        await asyncio.gather(*futures.values())
    except Exception:
        pass  # "the others are still in there somewhere"... only the finished ones are
    successes, failures = {}, {}
    for item, future in futures.items():
        if future.done():
            if future.exception() is not None:
                failures[item] = future.exception()
            else:
                successes[item] = future.result()
    return successes, failures
