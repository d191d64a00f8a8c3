"""Mutant: skips the given blocking library and awaits the service's non-blocking call
directly. Fast and free, but in the story there is no non-blocking call: legacy_fetch is the
only way to the service."""

import ray

from solutions.k10_dont_block_the_loop.kata import *  # the solution, but for Gateway.fetch
from solutions.k10_dont_block_the_loop.kata import Gateway as _Solution

BREAKS = "goes-through-legacy-fetch"
SAYS = ("legacy_fetch", "acall")


@ray.remote(num_cpus=0)
class Gateway(_Solution.__ray_actor_class__):
    async def fetch(self, service, item):
        return await service.acall(item)
