"""Mutant: claim never records the url, so every caller of every url wins."""

import ray

from solutions.k18_one_actor_owns_the_state.kata import *  # the solution, but for _take
from solutions.k18_one_actor_owns_the_state.kata import Coordinator as _Solution

BREAKS = "first-claim-wins"
SAYS = ("remember every claimed url",)


@ray.remote(num_cpus=0)
class Coordinator(_Solution.__ray_actor_class__):
    def _take(self, url: str) -> bool:
        self._calls += 1
        return True  # the mistake: the url is neither checked nor recorded: every call wins
