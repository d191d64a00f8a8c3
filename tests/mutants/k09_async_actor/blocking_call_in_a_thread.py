"""Mutant: `async def` that hands the blocking `service.call(item)` to a thread with
`asyncio.to_thread`. The loop stays free, but every call takes a thread of the default pool
(6 on two cores), and the non-blocking `service.acall(item)` was right there."""

import asyncio

import ray

from solutions.k09_async_actor.kata import *  # the solution, but for Fetcher.fetch
from solutions.k09_async_actor.kata import Fetcher as _Solution

BREAKS = "awaits-the-non-blocking-call"
SAYS = ("service.call", "to_thread")


@ray.remote(num_cpus=0)
class Fetcher(_Solution.__ray_actor_class__):
    async def fetch(self, service, item):
        return await asyncio.to_thread(service.call, item)
