"""Mutant: the claims are right, but the call counter is read before the audit's await and
written after it. Every call that ran during the await had its increment overwritten."""

import ray

REJECTED_BY = "test_stats_count_every_call_exactly"


@ray.remote(num_cpus=0)
class Coordinator:
    def __init__(self, audit_log):
        self._audit_log = audit_log
        self._claimed: set[str] = set()
        self._calls = 0
        self._duplicates = 0

    async def _audit(self, url: str) -> None:
        await self._audit_log.acall(url)

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

    async def stats(self) -> dict:
        return {
            "calls": self._calls,
            "claimed": len(self._claimed),
            "duplicates": self._duplicates,
        }
