"""Mutant: `asyncio.to_thread(legacy_fetch(service, item))`: the blocking call runs right
there on the loop, and to_thread is handed its result (a string) to call."""

import asyncio

import ray

from solutions.k10_dont_block_the_loop.kata import *  # the solution, but for Gateway.fetch
from solutions.k10_dont_block_the_loop.kata import Gateway as _Solution

BREAKS = "returns-the-legacy-reply"
SAYS = ("to_thread(legacy_fetch, service, item)",)


@ray.remote(num_cpus=0)
class Gateway(_Solution.__ray_actor_class__):
    async def fetch(self, service, item):
        return await asyncio.to_thread(legacy_fetch(service, item))
