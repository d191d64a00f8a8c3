"""Mutant: each call does go to a thread (asyncio.to_thread), but under one asyncio.Lock, so
only one runs at a time; the loop stays free (found by an answer written from the README
alone, which no candidate named)."""

import asyncio

import ray

from solutions.k10_dont_block_the_loop.kata import *  # the solution, but for Gateway.fetch
from solutions.k10_dont_block_the_loop.kata import Gateway as _Solution

BREAKS = "calls-overlap"
SAYS = ("asyncio.Lock",)


@ray.remote(num_cpus=0)
class Gateway(_Solution.__ray_actor_class__):
    def __init__(self):
        super().__init__()
        self.lock = asyncio.Lock()

    async def fetch(self, service, item):
        async with self.lock:
            return await asyncio.to_thread(legacy_fetch, service, item)
