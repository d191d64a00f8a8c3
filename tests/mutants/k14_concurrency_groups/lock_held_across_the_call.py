"""Mutant: the groups are right, but heavy holds self.lock for the whole blocking service call,
so only one heavy call runs at a time although the work group has two threads."""

import ray

from solutions.k14_concurrency_groups.kata import *  # the solution, but one lock for the call
from solutions.k14_concurrency_groups.kata import Service as _Solution

BREAKS = "two-heavy-calls-at-once"
SAYS = ("self.lock held across",)


@ray.remote(num_cpus=0, concurrency_groups={"health": 1, "work": 2})
class Service(_Solution.__ray_actor_class__):
    @ray.method(concurrency_group="work")
    def heavy(self, item):
        with self.lock:
            self.working += 1
            try:
                return self.service.call(item)
            finally:
                self.working -= 1
