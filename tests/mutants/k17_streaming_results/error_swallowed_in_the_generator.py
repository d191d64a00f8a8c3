"""Mutant: the generator method catches the service's error and ends the stream quietly:
the caller gets every earlier result and never hears of the failure."""

import ray

from solutions.k17_streaming_results.kata import *  # the solution, but the method catches
from solutions.k17_streaming_results.kata import Streamer as _Solution

BREAKS = "the-error-reaches-the-caller"
SAYS = ("inside the generator method",)


@ray.remote(num_cpus=0)
class Streamer(_Solution.__ray_actor_class__):
    async def stream(self, service, items):
        for item in items:
            try:
                result = await service.acall(item)
            except Exception:
                return
            yield result
