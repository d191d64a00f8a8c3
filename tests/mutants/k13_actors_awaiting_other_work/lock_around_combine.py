"""Mutant: "to be safe", combine holds an asyncio.Lock while it works. Its own lookups still
run together and ping still answers, but a second caller's combine waits for the first one
to finish."""

import asyncio

import ray

from solutions.k13_actors_awaiting_other_work.kata import *  # the solution, but for combine
from solutions.k13_actors_awaiting_other_work.kata import Aggregator as _Solution

BREAKS = "callers-overlap"
SAYS = ("asyncio.Lock",)


@ray.remote(num_cpus=0)
class Aggregator(_Solution.__ray_actor_class__):
    def __init__(self):
        self._lock = asyncio.Lock()

    async def combine(self, service, items: list) -> dict:
        async with self._lock:
            return await super().combine(service, items)
