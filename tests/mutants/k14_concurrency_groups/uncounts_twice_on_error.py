"""Mutant: takes the 1 away in an `except` and then again in the `finally`: after a call that
raised, `working` is -1."""

import ray

from solutions.k14_concurrency_groups.kata import *  # the solution, but uncounted twice
from solutions.k14_concurrency_groups.kata import Service as _Solution

BREAKS = "working-goes-back-down"
SAYS = ("taken away twice",)


@ray.remote(num_cpus=0, concurrency_groups={"health": 1, "work": 2})
class Service(_Solution.__ray_actor_class__):
    @ray.method(concurrency_group="work")
    def heavy(self, item):
        with self.lock:
            self.working += 1
        try:
            return self.service.call(item)
        except Exception:
            with self.lock:
                self.working -= 1
            raise
        finally:
            with self.lock:
                self.working -= 1
