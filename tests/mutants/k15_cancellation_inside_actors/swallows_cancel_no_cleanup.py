"""Mutant: catches CancelledError and returns None, without giving the lease back. The
caller still sees TaskCancelledError (Ray reports the cancellation whatever the method does),
so only the lease count shows the leak."""

import asyncio

import ray

from solutions.k15_cancellation_inside_actors.kata import *  # the solution, but swallowing
from solutions.k15_cancellation_inside_actors.kata import Pool as _Solution

BREAKS = "gives-the-lease-back-on-cancel"
SAYS = ("except asyncio.CancelledError",)


@ray.remote(num_cpus=0)
class Pool(_Solution.__ray_actor_class__):
    async def use(self, service, item):
        self.leased += 1
        try:
            reply = await service.acall(item)
        except asyncio.CancelledError:
            return None
        except Exception:
            self.leased -= 1
            raise
        self.leased -= 1
        return reply
