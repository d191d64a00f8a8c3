"""Mutant: the service call is wrapped in asyncio.shield. ray.cancel still ends use() (the
lease comes back, the caller sees TaskCancelledError), but the service call goes on running
in the actor with nobody waiting for it: the work the caller cancelled is still done."""

import asyncio

import ray

from solutions.k15_cancellation_inside_actors.kata import *  # the solution, but shielded
from solutions.k15_cancellation_inside_actors.kata import Pool as _Solution

BREAKS = "cancel-stops-the-service-call"
SAYS = ("asyncio.shield",)


@ray.remote(num_cpus=0)
class Pool(_Solution.__ray_actor_class__):
    async def use(self, service, item):
        self.leased += 1
        try:
            return await asyncio.shield(service.acall(item))
        finally:
            self.leased -= 1
