"""Mutant: runs legacy_fetch in an executor, but one with a single thread. The loop stays
free (ping answers), yet the blocking calls queue for that one thread and run one at a
time."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import ray

REJECTED_BY = "test_slow_calls_overlap_on_one_actor"


def legacy_fetch(service, item):
    return service.call(item)


@ray.remote(num_cpus=0)
class Gateway:
    def __init__(self):
        self._pool = ThreadPoolExecutor(max_workers=1)

    async def ping(self) -> str:
        return "pong"

    async def fetch(self, service, item):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, legacy_fetch, service, item)
