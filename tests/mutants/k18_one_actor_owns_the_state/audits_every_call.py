"""Mutant: every claim is audited first, refused ones too; then the check and the record,
with no await between them (so no race)."""

import ray

from solutions.k18_one_actor_owns_the_state.kata import *  # the solution, but audits all
from solutions.k18_one_actor_owns_the_state.kata import Coordinator as _Solution

BREAKS = "audits-each-win-once"
SAYS = ("refused claims were audited",)


@ray.remote(num_cpus=0)
class Coordinator(_Solution.__ray_actor_class__):
    async def claim(self, url: str) -> bool:
        await self._audit(url)  # the mistake: before knowing whether the claim wins
        return self._take(url)
