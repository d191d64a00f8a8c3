"""Mutant: collect catches the stream's error and just stops. The earlier results arrive,
but the caller never learns that the last item failed."""

import ray

REJECTED_BY = "test_an_error_arrives_after_the_earlier_results"


@ray.remote(num_cpus=0)
class Streamer:
    async def stream(self, service, items):
        for item in items:
            yield await service.acall(item)


async def collect(actor, service, items, on_item) -> None:
    try:
        async for ref in actor.stream.remote(service, items):
            on_item(await ref)
    except Exception:
        return
