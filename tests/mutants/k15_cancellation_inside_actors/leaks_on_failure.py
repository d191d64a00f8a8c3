"""Mutant: gives the lease back after a finished call and on cancellation, but not when the
service raises: every failed call keeps its lease."""

import asyncio

import ray

from solutions.k15_cancellation_inside_actors.kata import *  # the solution, but no finally
from solutions.k15_cancellation_inside_actors.kata import Pool as _Solution

BREAKS = "gives-the-lease-back-when-done"
SAYS = ("raises", "finally")


@ray.remote(num_cpus=0)
class Pool(_Solution.__ray_actor_class__):
    async def use(self, service, item):
        self.leased += 1
        try:
            reply = await service.acall(item)
        except asyncio.CancelledError:
            self.leased -= 1
            raise
        self.leased -= 1
        return reply
