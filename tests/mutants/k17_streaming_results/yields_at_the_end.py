"""Mutant: a generator method, but it collects every result first and yields them only at
the end: the caller iterates a stream that starts when the last call has finished."""

import ray

from solutions.k17_streaming_results.kata import *  # the solution, but yields at the end
from solutions.k17_streaming_results.kata import Streamer as _Solution

BREAKS = "the-method-yields-each-result"
SAYS = ("collecting the results first",)


@ray.remote(num_cpus=0)
class Streamer(_Solution.__ray_actor_class__):
    async def stream(self, service, items):
        results = [await service.acall(item) for item in items]
        for result in results:
            yield result
