"""Mutant: collect iterates the stream with a plain `for` and `ray.get`. The results
arrive one by one, but each wait for the next ref blocks the driver's event loop."""

import ray

REJECTED_BY = "test_the_event_loop_stays_free_while_waiting"


@ray.remote(num_cpus=0)
class Streamer:
    async def stream(self, service, items):
        for item in items:
            yield await service.acall(item)


async def collect(actor, service, items, on_item) -> None:
    for ref in actor.stream.remote(service, items):
        on_item(ray.get(ref))
