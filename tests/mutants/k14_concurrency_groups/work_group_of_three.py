"""Mutant: a work group of 3 slots. Health has its own slot, but one heavy call more than the
service allows runs at a time."""

import ray

from solutions.k14_concurrency_groups.kata import *  # the solution, but work has 3 slots
from solutions.k14_concurrency_groups.kata import Service as _Solution

BREAKS = "at-most-two-heavy-calls"
SAYS = ("more than 2 slots",)


@ray.remote(num_cpus=0, concurrency_groups={"health": 1, "work": 3})
class Service(_Solution.__ray_actor_class__):
    pass
