"""Alternative: an asyncio.Lock per url around check, audit and update. The other callers
of a url wait until the first claim is audited, then see it taken. (Locks are safe here:
all methods of this async actor share one event loop.) Duplicates are counted from the
state: every call that did not claim a url."""

import asyncio
from collections import defaultdict

import ray

from solutions.k18_one_actor_owns_the_state.kata import *  # the solution, but a lock per url
from solutions.k18_one_actor_owns_the_state.kata import Coordinator as _Solution


@ray.remote(num_cpus=0)
class Coordinator(_Solution.__ray_actor_class__):
    def __init__(self, audit_log):
        super().__init__(audit_log)
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def claim(self, url: str) -> bool:
        self._calls += 1
        async with self._locks[url]:
            if url in self._claimed:
                return False
            await self._audit(url)
            self._claimed.add(url)
            return True

    async def stats(self) -> dict:
        claimed = len(self._claimed)
        return {"calls": self._calls, "claimed": claimed, "duplicates": self._calls - claimed}
