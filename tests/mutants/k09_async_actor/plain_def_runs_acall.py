"""Mutant: "I cannot await in a plain `def`", so it runs the non-blocking call to the end with
`asyncio.run`. Right replies from the right call, but the method is a plain `def`: a sync
actor, one call at a time. The rule it breaks first is "fetch is `async def`" (its test reads
the method; a README-only answer like this one used to pass it and fail only the overlap test)."""

import asyncio

import ray

from solutions.k09_async_actor.kata import *  # the solution, but for Fetcher.fetch
from solutions.k09_async_actor.kata import Fetcher as _Solution

BREAKS = "awaits-the-non-blocking-call"
SAYS = ("plain `def`", "async def fetch")


@ray.remote(num_cpus=0)
class Fetcher(_Solution.__ray_actor_class__):
    def fetch(self, service, item):
        return asyncio.run(service.acall(item))
