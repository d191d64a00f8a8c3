"""Kata 12 · Limit the blast radius: reference solution."""

import asyncio

import ray


@ray.remote(num_cpus=0)
class Gateway:
    """The one door to a fragile upstream: never more than `limit` calls in flight through it."""

    def __init__(self, limit: int):
        # One semaphore per actor, made here (not at module level): it admits `limit` callers
        # at a time, and the rest wait on the event loop, costing nothing.
        self.limit = limit
        self._slots = asyncio.Semaphore(limit)

    async def fetch(self, service, item):
        """Return the upstream's reply for `item`, with at most `limit` upstream calls in
        flight on this actor at any moment."""
        # Only the upstream call is guarded: the actor still accepts every call at once, but
        # no more than `limit` reach the fragile service. Leaving the block frees the slot.
        async with self._slots:
            return await service.acall(item)


def make_gateway(limit: int):
    """Create and return ONE Gateway actor that never has more than `limit` calls in flight."""
    return Gateway.remote(limit)
