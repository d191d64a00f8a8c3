"""Mutant: `async def`, but the body makes the blocking `service.call(item)`. The actor is
async, yet the blocking call holds the event loop's only thread, so calls still run one at a
time."""

import ray

from solutions.k09_async_actor.kata import *  # the solution, but for Fetcher.fetch
from solutions.k09_async_actor.kata import Fetcher as _Solution

BREAKS = "serves-twenty-at-once"
SAYS = ("service.call", "event loop")


@ray.remote(num_cpus=0)
class Fetcher(_Solution.__ray_actor_class__):
    async def fetch(self, service, item):
        return service.call(item)
