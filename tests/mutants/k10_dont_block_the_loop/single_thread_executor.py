"""Mutant: runs legacy_fetch in an executor, but one with a single thread. The loop stays
free (ping answers), yet the blocking calls queue for that one thread and run one at a
time."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import ray

from solutions.k10_dont_block_the_loop.kata import *  # the solution, but for Gateway.fetch
from solutions.k10_dont_block_the_loop.kata import Gateway as _Solution

BREAKS = "calls-overlap"
SAYS = ("single thread",)


@ray.remote(num_cpus=0)
class Gateway(_Solution.__ray_actor_class__):
    def __init__(self):
        self._pool = ThreadPoolExecutor(max_workers=1)

    async def fetch(self, service, item):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, legacy_fetch, service, item)
