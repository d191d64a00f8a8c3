"""Alternative: one asyncio.Lock around the whole claim, audit included. Correct, but every
claim now waits for every earlier audit: the actor handles one claim at a time."""

import asyncio

import ray


@ray.remote(num_cpus=0)
class Coordinator:
    def __init__(self, audit_log):
        self._audit_log = audit_log
        self._claimed: set[str] = set()
        self._lock = asyncio.Lock()
        self._counts = {"calls": 0, "claimed": 0, "duplicates": 0}

    async def _audit(self, url: str) -> None:
        await self._audit_log.acall(url)

    async def claim(self, url: str) -> bool:
        async with self._lock:
            self._counts["calls"] += 1
            if url in self._claimed:
                self._counts["duplicates"] += 1
                return False
            await self._audit(url)
            self._claimed.add(url)
            self._counts["claimed"] += 1
            return True

    async def stats(self) -> dict:
        return dict(self._counts)
