"""Mutant: `async def`, but it returns `service.acall(item)` without awaiting it: the
caller would get a coroutine object, which Ray cannot even send back."""

import ray

from solutions.k09_async_actor.kata import *  # the solution, but for Fetcher.fetch
from solutions.k09_async_actor.kata import Fetcher as _Solution

BREAKS = "returns-the-reply"
SAYS = ("without awaiting",)


@ray.remote(num_cpus=0)
class Fetcher(_Solution.__ray_actor_class__):
    async def fetch(self, service, item):
        return service.acall(item)
