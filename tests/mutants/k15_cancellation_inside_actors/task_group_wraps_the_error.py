"""Mutant: runs the service call as the one task of an asyncio.TaskGroup. The lease is handled
right, but when the service raises, the caller gets an ExceptionGroup holding the error instead
of the error itself."""

import asyncio

import ray

from solutions.k15_cancellation_inside_actors.kata import *  # the solution, but in a TaskGroup
from solutions.k15_cancellation_inside_actors.kata import Pool as _Solution

BREAKS = "returns-the-reply"
SAYS = ("the TaskGroup raises an ExceptionGroup",)


@ray.remote(num_cpus=0)
class Pool(_Solution.__ray_actor_class__):
    async def use(self, service, item):
        self.leased += 1
        try:
            async with asyncio.TaskGroup() as group:
                call = group.create_task(service.acall(item))
            return call.result()
        finally:
            self.leased -= 1
