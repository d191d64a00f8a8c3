"""Mutant: no concurrency groups at all. A sync actor runs one call at a time by default, so
the health check queues behind the heavy calls (and only one heavy call runs at a time)."""

import ray

from solutions.k14_concurrency_groups.kata import *  # the solution, but with no groups
from solutions.k14_concurrency_groups.kata import Service as _Solution

BREAKS = "health-answers-while-work-is-busy"
SAYS = ("one call at a time", "concurrency_group='health'")


@ray.remote(num_cpus=0)
class Service(_Solution.__ray_actor_class__):
    # The same methods, without their groups.
    def heavy(self, item):
        return super().heavy(item)

    def health(self) -> dict:
        return super().health()
