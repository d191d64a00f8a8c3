"""Mutant: read, await, write. The claim checks the set, awaits the audit, and only then adds
the url: while the audit awaits, every other claim for the same url passes the check too,
so several callers win the same url."""

import ray

from solutions.k18_one_actor_owns_the_state.kata import *  # the solution, but a racy claim
from solutions.k18_one_actor_owns_the_state.kata import Coordinator as _Solution

BREAKS = "one-winner-under-concurrency"
SAYS = ("before the first await",)


@ray.remote(num_cpus=0)
class Coordinator(_Solution.__ray_actor_class__):
    async def claim(self, url: str) -> bool:
        self._calls += 1
        if url in self._claimed:
            self._duplicates += 1
            return False
        await self._audit(url)  # the mistake: other claims run here, and pass the check too
        self._claimed.add(url)
        return True
