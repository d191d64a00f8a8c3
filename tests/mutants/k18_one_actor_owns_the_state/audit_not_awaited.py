"""Mutant: the claim is recorded before any await (no race), but the audit is started with
asyncio.create_task and not awaited: claim answers True before the claim is audited."""

import asyncio

import ray

from solutions.k18_one_actor_owns_the_state.kata import *  # the solution, but no await
from solutions.k18_one_actor_owns_the_state.kata import Coordinator as _Solution

BREAKS = "audited-before-claim-returns"
SAYS = ("create_task", "not awaited")


@ray.remote(num_cpus=0)
class Coordinator(_Solution.__ray_actor_class__):
    async def claim(self, url: str) -> bool:
        if not self._take(url):
            return False
        self._pending = asyncio.create_task(self._audit(url))  # the mistake: not awaited
        return True
