"""Mutant: a threaded actor (plain `def`, max_concurrency=32) making the blocking
`service.call(item)`. Twenty calls do overlap, each on a thread of its own, but the task was
an async actor awaiting the non-blocking `service.acall(item)`."""

import ray

from solutions.k09_async_actor.kata import *  # the solution, but for Fetcher
from solutions.k09_async_actor.kata import Fetcher as _Solution

BREAKS = "awaits-the-non-blocking-call"
SAYS = ("service.call", "plain `def`", "acall")


@ray.remote(num_cpus=0, max_concurrency=32)
class Fetcher(_Solution.__ray_actor_class__):
    def fetch(self, service, item):
        return service.call(item)
