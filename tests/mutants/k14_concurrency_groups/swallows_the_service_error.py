"""Mutant: heavy catches the service's error and returns None: the caller never learns the
call failed."""

import ray

from solutions.k14_concurrency_groups.kata import *  # the solution, but errors swallowed
from solutions.k14_concurrency_groups.kata import Service as _Solution

BREAKS = "heavy-returns-the-reply"
SAYS = ("catching the service's error",)


@ray.remote(num_cpus=0, concurrency_groups={"health": 1, "work": 2})
class Service(_Solution.__ray_actor_class__):
    @ray.method(concurrency_group="work")
    def heavy(self, item):
        try:
            return super().heavy(item)
        except Exception:
            return None
