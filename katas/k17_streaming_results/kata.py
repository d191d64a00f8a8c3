"""Kata 17 · Streaming results. The instructions are in README.md next to this file."""

import ray

from dojo import todo


@ray.remote(num_cpus=0)
class Streamer:
    """Runs the calls for a batch of items and streams their results back."""

    async def stream(self, service, items):
        """Yield service.acall(item)'s result for each item, each as soon as it is ready."""
        # TODO: call the service for each item and hand each result to the caller as soon as
        # you have it, not all of them at the end.
        todo("yield each result of service.acall(item) as soon as it is ready")
        yield  # (this makes the method a generator; keep a yield in yours)


async def collect(actor, service, items, on_item) -> None:
    """Call on_item(result) for each result of actor.stream, as each one arrives."""
    # TODO: start actor.stream remotely and pass each result to on_item the moment it
    # arrives; let an error from the stream reach the caller.
    todo("iterate over actor.stream.remote(...) and call on_item for each result")
