"""Mutant: gives the lease back in finally, but swallows the CancelledError and returns None.
Ray still tells the caller the call was cancelled, but asyncio inside the actor is fooled: a
deadline (asyncio.timeout) around use() sees a normal return and raises no TimeoutError."""

import asyncio

import ray

REJECTED_BY = "test_a_deadline_inside_the_actor_still_raises_timeout"


@ray.remote(num_cpus=0)
class Pool:
    def __init__(self):
        self.leased = 0

    async def leased_count(self) -> int:
        return self.leased

    async def use_with_deadline(self, service, item, seconds: float):
        async with asyncio.timeout(seconds):
            return await self.use(service, item)

    async def use(self, service, item):
        self.leased += 1
        try:
            return await service.acall(item)
        except asyncio.CancelledError:
            return None
        finally:
            self.leased -= 1
