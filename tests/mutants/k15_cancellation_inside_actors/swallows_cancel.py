"""Mutant: gives the lease back in finally, but swallows the CancelledError and returns None.
Ray still tells the caller the call was cancelled, but asyncio inside the actor is fooled: a
deadline (asyncio.timeout) around use() sees a normal return and raises no TimeoutError."""

import asyncio

import ray

from solutions.k15_cancellation_inside_actors.kata import *  # the solution, but swallowing
from solutions.k15_cancellation_inside_actors.kata import Pool as _Solution

BREAKS = "the-cancellation-goes-on-up"
SAYS = ("swallowed the CancelledError", "re-raise")


@ray.remote(num_cpus=0)
class Pool(_Solution.__ray_actor_class__):
    async def use(self, service, item):
        try:
            return await super().use(service, item)
        except asyncio.CancelledError:
            return None
