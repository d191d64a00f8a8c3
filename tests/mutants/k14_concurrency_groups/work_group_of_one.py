"""Mutant: a work group of 1 slot. Health still answers, but the heavy calls run one at a
time although the service takes two."""

import ray

from solutions.k14_concurrency_groups.kata import *  # the solution, but work has 1 slot
from solutions.k14_concurrency_groups.kata import Service as _Solution

BREAKS = "two-heavy-calls-at-once"
SAYS = ("work group of 1 slot",)


@ray.remote(num_cpus=0, concurrency_groups={"health": 1, "work": 1})
class Service(_Solution.__ray_actor_class__):
    pass
