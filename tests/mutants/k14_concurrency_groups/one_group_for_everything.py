"""Mutant: one group of 2 threads for everything. The work limit holds, but the health check
shares the work slots, so it waits until a heavy call frees one."""

import ray

from solutions.k14_concurrency_groups.kata import *  # the solution, but health in "work"
from solutions.k14_concurrency_groups.kata import Service as _Solution

BREAKS = "health-answers-while-work-is-busy"
SAYS = ("same group",)


@ray.remote(num_cpus=0, concurrency_groups={"work": 2})
class Service(_Solution.__ray_actor_class__):
    @ray.method(concurrency_group="work")
    def health(self) -> dict:
        return super().health()
