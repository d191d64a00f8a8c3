"""Mutant: "I cannot await in a plain `def`", so it runs the non-blocking call to the end with
`asyncio.run`. Right replies from the right call, but the method is a plain `def`: a sync
actor, one call at a time."""

import asyncio

import ray

from solutions.k09_async_actor.kata import *  # the solution, but for Fetcher.fetch
from solutions.k09_async_actor.kata import Fetcher as _Solution

BREAKS = "serves-twenty-at-once"
SAYS = ("plain `def`", "one call at a time")


@ray.remote(num_cpus=0)
class Fetcher(_Solution.__ray_actor_class__):
    def fetch(self, service, item):
        return asyncio.run(service.acall(item))
