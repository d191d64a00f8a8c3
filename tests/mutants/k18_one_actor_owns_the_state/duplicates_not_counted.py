"""Mutant: the claims are right, but refused calls are never counted as duplicates."""

import ray

from solutions.k18_one_actor_owns_the_state.kata import *  # the solution, but no duplicates
from solutions.k18_one_actor_owns_the_state.kata import Coordinator as _Solution

BREAKS = "stats-are-exact"
SAYS = ("every refused call",)


@ray.remote(num_cpus=0)
class Coordinator(_Solution.__ray_actor_class__):
    async def stats(self) -> dict:
        return {**await super().stats(), "duplicates": 0}
