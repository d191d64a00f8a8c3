"""Mutant: catches CancelledError and returns None, without giving the lease back. The
caller still sees TaskCancelledError (Ray reports the cancellation whatever the method does),
so only the lease count shows the leak."""

import asyncio

import ray

REJECTED_BY = "test_a_cancelled_call_gives_its_lease_back"


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
            reply = await service.acall(item)
        except asyncio.CancelledError:
            return None
        self.leased -= 1
        return reply
