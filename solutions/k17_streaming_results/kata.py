"""Kata 17 · Streaming results: reference solution."""

import ray


@ray.remote(num_cpus=0)
class Streamer:
    """Runs the calls for a batch of items and streams their results back."""

    async def stream(self, service, items):
        """Yield service.acall(item)'s result for each item, each as soon as it is ready."""
        # A generator method streams: each `yield` sends one result to the caller at once,
        # while the method goes on with the next item. Building a list and returning it
        # would make the caller wait for the slowest, last call before seeing anything.
        for item in items:
            yield await service.acall(item)


async def collect(actor, service, items, on_item) -> None:
    """Call on_item(result) for each result of actor.stream, as each one arrives."""
    # .remote() on a generator method returns an ObjectRefGenerator: `async for` hands out
    # one ref per yielded value as soon as it exists; awaiting it gives the value (or raises
    # the error the generator raised, after all the earlier values).
    async for ref in actor.stream.remote(service, items):
        on_item(await ref)
