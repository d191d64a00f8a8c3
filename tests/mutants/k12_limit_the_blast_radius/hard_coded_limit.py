"""Mutant: the limit is hard-coded to 4 (the number in the task) instead of taken from
`make_gateway(limit)`. Right for limit 4, wrong for any other."""

import asyncio

import ray

REJECTED_BY = "test_the_limit_comes_from_make_gateway"


@ray.remote(num_cpus=0)
class Gateway:
    def __init__(self, limit: int):
        self.limit = limit
        self._slots = asyncio.Semaphore(4)

    async def fetch(self, service, item):
        async with self._slots:
            return await service.acall(item)


def make_gateway(limit: int):
    return Gateway.remote(limit)
