"""Kata 18 · One actor owns the state: reference solution."""

import ray

from katas.k18_one_actor_owns_the_state.kata import Coordinator as _Given


# The class extends the stub's, whose _audit is given (`__ray_actor_class__` is the plain
# class behind a @ray.remote one).
@ray.remote(num_cpus=0)
class Coordinator(_Given.__ray_actor_class__):
    """The one place that knows which urls have been claimed (say, by crawler workers)."""

    def __init__(self, audit_log):
        super().__init__(audit_log)
        self._claimed: set[str] = set()
        self._calls = 0
        self._duplicates = 0

    async def claim(self, url: str) -> bool:
        """True for the first call with this url, False for every later one. Each successful
        claim is audited (await self._audit(url)) before claim returns True."""
        # An async actor runs one call at a time between awaits, on one thread: code with no
        # await in it cannot be interleaved. So check AND record the claim before the first
        # await (in _take, a plain def: it cannot await); any call for the same url that runs
        # during the audit then sees it taken.
        if not self._take(url):
            return False
        await self._audit(url)
        return True

    def _take(self, url: str) -> bool:
        """Count the call; if url is free, record it as claimed and return True, else count a
        duplicate and return False."""
        self._calls += 1
        if url in self._claimed:
            self._duplicates += 1
            return False
        self._claimed.add(url)
        return True

    async def stats(self) -> dict:
        """Three counts: {"calls": claim calls so far, "claimed": urls claimed (how many),
        "duplicates": calls refused}"""
        return {
            "calls": self._calls,
            "claimed": len(self._claimed),
            "duplicates": self._duplicates,
        }
