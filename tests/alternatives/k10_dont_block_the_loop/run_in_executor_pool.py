"""Alternative: `loop.run_in_executor` with the actor's own ThreadPoolExecutor, sized for
the number of blocking calls expected at once (instead of asyncio's default pool)."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import ray

from solutions.k10_dont_block_the_loop.kata import *  # the solution, but for Gateway.fetch
from solutions.k10_dont_block_the_loop.kata import Gateway as _Solution


@ray.remote(num_cpus=0)
class Gateway(_Solution.__ray_actor_class__):
    def __init__(self):
        self._pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="legacy")

    async def fetch(self, service, item):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, legacy_fetch, service, item)
