"""Mutant: the actor method builds a list of every result and returns it at the end (no
generator), and collect loops over that list. Right values, but nothing reaches the driver
until the last call has finished."""

import ray

REJECTED_BY = "test_each_result_arrives_before_the_next_is_made"


@ray.remote(num_cpus=0)
class Streamer:
    async def stream(self, service, items):
        results = []
        for item in items:
            results.append(await service.acall(item))
        return results


async def collect(actor, service, items, on_item) -> None:
    for value in await actor.stream.remote(service, items):
        on_item(value)
