"""Mutant: "safe" by serialising everything: an asyncio.Semaphore(1). The upstream never
sees more than one call, but 50 calls queue behind one when 4 were allowed."""

import asyncio

import ray

REJECTED_BY = "test_never_more_than_limit_in_flight"


@ray.remote(num_cpus=0)
class Gateway:
    def __init__(self, limit: int):
        self.limit = limit
        self._slots = asyncio.Semaphore(1)

    async def fetch(self, service, item):
        async with self._slots:
            return await service.acall(item)


def make_gateway(limit: int):
    return Gateway.remote(limit)
