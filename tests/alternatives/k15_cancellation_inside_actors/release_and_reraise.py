"""Alternative: no finally; give the lease back in an except clause that catches everything
(cancellation included, BaseException), then re-raise, and once more on the success path.
Must pass."""

import asyncio

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

    async def use(self, service, item):
        self.leased += 1
        try:
            reply = await service.acall(item)
        except BaseException:  # CancelledError is a BaseException, not an Exception
            self.leased -= 1
            raise
        self.leased -= 1
        return reply
