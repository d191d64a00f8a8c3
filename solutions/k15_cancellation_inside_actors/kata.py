"""Kata 15 · Cancellation inside actors: reference solution."""

import asyncio

import ray


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
        # ray.cancel on an async actor call raises CancelledError at the `await` in here.
        # `finally` runs on that path too, so the lease always comes back; and since nothing
        # catches the CancelledError, it goes on up, which is what asyncio.timeout,
        # wait_for and TaskGroup inside the actor rely on.
        self.leased += 1
        try:
            return await service.acall(item)
        finally:
            self.leased -= 1

    async def use_with_deadline(self, service, item, seconds: float):
        """use() with a deadline inside the actor. (Given: keep it.)

        asyncio.timeout cancels use() when time is up and turns that cancellation into a
        TimeoutError, but only if the CancelledError comes back out of use()."""
        async with asyncio.timeout(seconds):
            return await self.use(service, item)
