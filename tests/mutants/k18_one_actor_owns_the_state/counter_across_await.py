"""Mutant: the claims are right, but the call counter is read before the audit's await and
written after it. Every call that ran during the await had its increment overwritten."""

import ray

from solutions.k18_one_actor_owns_the_state.kata import *  # the solution, but a racy counter
from solutions.k18_one_actor_owns_the_state.kata import Coordinator as _Solution

BREAKS = "stats-are-exact"
SAYS = ("counter updated across an await",)


@ray.remote(num_cpus=0)
class Coordinator(_Solution.__ray_actor_class__):
    async def claim(self, url: str) -> bool:
        calls = self._calls  # the mistake: read here ...
        if url in self._claimed:
            self._duplicates += 1
            self._calls = calls + 1
            return False
        self._claimed.add(url)
        await self._audit(url)
        self._calls = calls + 1  # ... written back after the await, over other calls' updates
        return True
