"""Alternative: the service call runs as a task of its own, awaited directly. Awaiting a
task that gets cancelled from outside cancels the task too, so ray.cancel still stops the
service call. Must pass."""

import asyncio

import ray

from solutions.k15_cancellation_inside_actors.kata import *  # the solution, but a task
from solutions.k15_cancellation_inside_actors.kata import Pool as _Solution


@ray.remote(num_cpus=0)
class Pool(_Solution.__ray_actor_class__):
    async def use(self, service, item):
        self.leased += 1
        try:
            return await asyncio.create_task(service.acall(item))
        finally:
            self.leased -= 1
