"""Alternative: a plain (sync) generator method on a threaded actor, calling the blocking
service.call. Ray streams a sync generator's yields just the same; the driver side is the
same `async for`."""

import ray


@ray.remote(num_cpus=0, max_concurrency=2)
class Streamer:
    def stream(self, service, items):
        for item in items:
            yield service.call(item)


async def collect(actor, service, items, on_item) -> None:
    async for ref in actor.stream.remote(service, items):
        value = await ref
        on_item(value)
