"""Kata 15 · Cancellation inside actors. The instructions are in README.md next to this file."""

import asyncio

import ray

from dojo import todo


@ray.remote(num_cpus=0)
class Pool:
    """An async actor that lends connections to a slow service: each call holds a lease
    while it talks to the service, and must give it back however the call ends."""

    def __init__(self):
        self.leased = 0  # leases held right now

    async def leased_count(self) -> int:
        """How many leases are held right now. (Given: keep it.)"""
        return self.leased

    async def use(self, service, item):
        """Take a lease, return `await service.acall(item)`, and give the lease back when the
        call ends: finished, failed, or cancelled with ray.cancel."""
        # TODO: add 1 to self.leased, await service.acall(item), and take the 1 away again
        # however the await ends. A cancelled call must still raise its CancelledError.
        todo("take a lease, await service.acall(item), give the lease back however it ends")

    async def use_with_deadline(self, service, item, seconds: float):
        """use() with a deadline inside the actor. (Given: keep it.)

        asyncio.timeout cancels use() when time is up and turns that cancellation into a
        TimeoutError, but only if the CancelledError comes back out of use()."""
        async with asyncio.timeout(seconds):
            return await self.use(service, item)
