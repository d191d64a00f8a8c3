"""Alternative: `loop.run_in_executor(None, ...)`, the loop's default thread pool (what
asyncio.to_thread uses), with the arguments bound by functools.partial."""

import asyncio
import functools

import ray

from solutions.k10_dont_block_the_loop.kata import *  # the solution, but for Gateway.fetch
from solutions.k10_dont_block_the_loop.kata import Gateway as _Solution


@ray.remote(num_cpus=0)
class Gateway(_Solution.__ray_actor_class__):
    async def fetch(self, service, item):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, functools.partial(legacy_fetch, service, item))
