"""Mutant: heavy returns the reply but never counts itself, so health always reports 0 heavy
calls in progress."""

import ray

from solutions.k14_concurrency_groups.kata import *  # the solution, but no counting
from solutions.k14_concurrency_groups.kata import Service as _Solution

BREAKS = "working-counts-the-calls-in-progress"
SAYS = ("never adds 1",)


@ray.remote(num_cpus=0, concurrency_groups={"health": 1, "work": 2})
class Service(_Solution.__ray_actor_class__):
    @ray.method(concurrency_group="work")
    def heavy(self, item):
        return self.service.call(item)
