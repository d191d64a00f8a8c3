"""Alternative: only the work gets a named group; health stays in the actor's default group,
which is a separate pool of its own (one thread for a sync actor). Must pass."""

import ray

from solutions.k14_concurrency_groups.kata import *  # the solution, but health ungrouped
from solutions.k14_concurrency_groups.kata import Service as _Solution


@ray.remote(num_cpus=0, concurrency_groups={"work": 2})
class Service(_Solution.__ray_actor_class__):
    def health(self) -> dict:
        return super().health()
