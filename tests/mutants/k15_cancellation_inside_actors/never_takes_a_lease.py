"""Mutant: use calls the service but never takes a lease: the pool cannot tell how many
connections are in use."""

import ray

from solutions.k15_cancellation_inside_actors.kata import *  # the solution, but no lease
from solutions.k15_cancellation_inside_actors.kata import Pool as _Solution

BREAKS = "holds-a-lease-while-running"
SAYS = ("add 1",)


@ray.remote(num_cpus=0)
class Pool(_Solution.__ray_actor_class__):
    async def use(self, service, item):
        return await service.acall(item)
