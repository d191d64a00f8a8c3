"""Mutant: a plain `def` method calling the blocking `service.call(item)`. Right replies, but
a sync actor serves one call at a time, so twenty calls queue up behind each other. (Its name
is older than its body: tests/test_hangs.py runs it by this name.)"""

import ray

from solutions.k09_async_actor.kata import *  # the solution, but for Fetcher.fetch
from solutions.k09_async_actor.kata import Fetcher as _Solution

BREAKS = "serves-twenty-at-once"
SAYS = ("plain `def`",)


@ray.remote(num_cpus=0)
class Fetcher(_Solution.__ray_actor_class__):
    def fetch(self, service, item):
        return service.call(item)
