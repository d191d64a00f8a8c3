"""Mutant: gather every result, then loop over them calling handle. All tasks run at once,
but nothing is handled until the slowest one has finished."""

import asyncio

import ray

REJECTED_BY = "test_each_result_is_handled_as_soon_as_it_is_ready"


@ray.remote(num_cpus=0)
def lookup(service, item):
    return service.call(item)


async def handle_as_completed(service, items, handle) -> None:
    results = await asyncio.gather(*[lookup.remote(service, item) for item in items])
    for result in results:
        handle(result)
