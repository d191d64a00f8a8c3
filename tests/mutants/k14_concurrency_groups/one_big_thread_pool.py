"""Mutant: no groups, one big pool of threads (max_concurrency=8). Health always finds a free
thread, but nothing limits the heavy calls: all of them hit the service at once."""

import ray

from solutions.k14_concurrency_groups.kata import *  # the solution, but one pool of 8
from solutions.k14_concurrency_groups.kata import Service as _Solution

BREAKS = "at-most-two-heavy-calls"
SAYS = ("max_concurrency",)


@ray.remote(num_cpus=0, max_concurrency=8)
class Service(_Solution.__ray_actor_class__):
    def heavy(self, item):
        return super().heavy(item)

    def health(self) -> dict:
        return super().health()
