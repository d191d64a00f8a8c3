"""Mutant: collect iterates the stream with a plain `for` and `ray.get`. The results
arrive one by one, but each wait for the next ref blocks the driver's event loop."""

import ray

from solutions.k17_streaming_results.kata import *  # the solution, but a blocking collect

BREAKS = "the-loop-stays-free"
SAYS = ("async for",)


async def collect(actor, service, items, on_item) -> None:
    for ref in actor.stream.remote(service, items):
        on_item(ray.get(ref))
