"""Mutant: the actor method builds a list of every result and returns it at the end (no
generator): right values, but nothing reaches the caller until the last call has finished."""

import ray

from solutions.k17_streaming_results.kata import *  # the solution, but stream returns a list
from solutions.k17_streaming_results.kata import Streamer as _Solution

BREAKS = "the-method-yields-each-result"
SAYS = ("return results", "yield")


@ray.remote(num_cpus=0)
class Streamer(_Solution.__ray_actor_class__):
    async def stream(self, service, items):
        results = []
        for item in items:
            results.append(await service.acall(item))
        return results
