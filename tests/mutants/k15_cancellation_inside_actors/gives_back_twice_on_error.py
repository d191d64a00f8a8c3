"""Mutant: gives the lease back in an `except` and then again in the `finally`: after a call
that failed, leased_count() is -1."""

import ray

from solutions.k15_cancellation_inside_actors.kata import *  # the solution, but given back twice
from solutions.k15_cancellation_inside_actors.kata import Pool as _Solution

BREAKS = "gives-the-lease-back-when-done"
SAYS = ("given back twice",)


@ray.remote(num_cpus=0)
class Pool(_Solution.__ray_actor_class__):
    async def use(self, service, item):
        self.leased += 1
        try:
            return await service.acall(item)
        except Exception:
            self.leased -= 1
            raise
        finally:
            self.leased -= 1
