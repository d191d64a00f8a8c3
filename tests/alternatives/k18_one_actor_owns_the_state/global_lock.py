"""Alternative: one asyncio.Lock around the whole claim, audit included. Correct, but every
claim now waits for every earlier audit: the actor handles one claim at a time."""

import asyncio

import ray

from solutions.k18_one_actor_owns_the_state.kata import *  # the solution, but one lock
from solutions.k18_one_actor_owns_the_state.kata import Coordinator as _Solution


@ray.remote(num_cpus=0)
class Coordinator(_Solution.__ray_actor_class__):
    def __init__(self, audit_log):
        super().__init__(audit_log)
        self._lock = asyncio.Lock()

    async def claim(self, url: str) -> bool:
        async with self._lock:
            self._calls += 1
            if url in self._claimed:
                self._duplicates += 1
                return False
            await self._audit(url)
            self._claimed.add(url)
            return True
