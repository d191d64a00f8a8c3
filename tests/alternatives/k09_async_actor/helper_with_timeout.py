"""Alternative: the method awaits a helper coroutine under `asyncio.wait_for` (a per-call
timeout). Still one await chain on the actor's loop, so calls overlap just the same."""

import asyncio

import ray

from solutions.k09_async_actor.kata import *  # the solution, but for Fetcher.fetch
from solutions.k09_async_actor.kata import Fetcher as _Solution


@ray.remote(num_cpus=0)
class Fetcher(_Solution.__ray_actor_class__):
    async def _ask(self, service, item):
        return await service.acall(item)

    async def fetch(self, service, item):
        return await asyncio.wait_for(self._ask(service, item), timeout=10)
