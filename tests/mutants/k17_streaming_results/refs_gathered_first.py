"""Mutant: the actor streams correctly, but collect first gathers every ref of the stream
and only then calls on_item: the driver still sees nothing until the stream has ended."""

import ray

REJECTED_BY = "test_each_result_arrives_before_the_next_is_made"


@ray.remote(num_cpus=0)
class Streamer:
    async def stream(self, service, items):
        for item in items:
            yield await service.acall(item)


async def collect(actor, service, items, on_item) -> None:
    refs = [ref async for ref in actor.stream.remote(service, items)]
    for ref in refs:
        on_item(await ref)
