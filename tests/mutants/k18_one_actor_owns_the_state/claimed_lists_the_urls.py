"""Mutant: stats() reports the claimed urls themselves under "claimed" instead of how many
there are; every value of stats() is a count."""

import ray

from solutions.k18_one_actor_owns_the_state.kata import *  # the solution, but for stats
from solutions.k18_one_actor_owns_the_state.kata import Coordinator as _Solution

BREAKS = "stats-are-exact"
SAYS = ("'claimed' is how many urls",)


@ray.remote(num_cpus=0)
class Coordinator(_Solution.__ray_actor_class__):
    async def stats(self) -> dict:
        return {
            "calls": self._calls,
            "claimed": sorted(self._claimed),
            "duplicates": self._duplicates,
        }
