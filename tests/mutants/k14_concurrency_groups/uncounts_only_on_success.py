"""Mutant: the 1 is taken away after the service returns, not in a `finally`: a call that
raises stays counted in `working` for ever."""

import ray

from solutions.k14_concurrency_groups.kata import *  # the solution, but no finally
from solutions.k14_concurrency_groups.kata import Service as _Solution

BREAKS = "working-goes-back-down"
SAYS = ("finally",)


@ray.remote(num_cpus=0, concurrency_groups={"health": 1, "work": 2})
class Service(_Solution.__ray_actor_class__):
    @ray.method(concurrency_group="work")
    def heavy(self, item):
        with self.lock:
            self.working += 1
        reply = self.service.call(item)
        with self.lock:
            self.working -= 1
        return reply
