"""Mutant: read, await, write. The claim checks the set, awaits the audit, and only then adds
the url: while the audit awaits, every other claim for the same url passes the check too,
so several callers win the same url."""

import ray

REJECTED_BY = "test_each_url_is_claimed_exactly_once"


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
        self._calls += 1
        if url in self._claimed:
            self._duplicates += 1
            return False
        await self._audit(url)  # the mistake: other claims run here, and pass the check too
        self._claimed.add(url)
        return True

    async def stats(self) -> dict:
        return {
            "calls": self._calls,
            "claimed": len(self._claimed),
            "duplicates": self._duplicates,
        }
