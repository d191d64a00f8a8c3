"""Alternative: an asyncio.Lock per url around check, audit and update. The other callers
of a url wait until the first claim is audited, then see it taken. (Locks are safe here:
all methods of this async actor share one event loop.)"""

import asyncio
from collections import defaultdict

import ray


@ray.remote(num_cpus=0)
class Coordinator:
    def __init__(self, audit_log):
        self._audit_log = audit_log
        self._claimed: set[str] = set()
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._calls = 0

    async def _audit(self, url: str) -> None:
        await self._audit_log.acall(url)

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
