"""Mutant: catches the service's error and returns None (lease given back correctly): the
caller never learns the call failed."""

import ray

from solutions.k15_cancellation_inside_actors.kata import *  # the solution, but errors swallowed
from solutions.k15_cancellation_inside_actors.kata import Pool as _Solution

BREAKS = "returns-the-reply"
SAYS = ("catching the service's error",)


@ray.remote(num_cpus=0)
class Pool(_Solution.__ray_actor_class__):
    async def use(self, service, item):
        try:
            return await super().use(service, item)
        except Exception:
            return None
