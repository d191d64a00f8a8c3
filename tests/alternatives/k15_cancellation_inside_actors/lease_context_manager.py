"""Alternative: the lease is an async context manager (contextlib.asynccontextmanager), so
taking and giving back live in one place and every way out of the block returns it. Must
pass."""

import asyncio
import contextlib

import ray


@ray.remote(num_cpus=0)
class Pool:
    def __init__(self):
        self.leased = 0

    async def leased_count(self) -> int:
        return self.leased

    async def use_with_deadline(self, service, item, seconds: float):
        async with asyncio.timeout(seconds):
            return await self.use(service, item)

    @contextlib.asynccontextmanager
    async def _lease(self):
        self.leased += 1
        try:
            yield
        finally:
            self.leased -= 1

    async def use(self, service, item):
        async with self._lease():
            return await service.acall(item)
