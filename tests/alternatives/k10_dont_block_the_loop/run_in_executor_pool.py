"""Alternative: `loop.run_in_executor` with the actor's own ThreadPoolExecutor, sized for
the number of blocking calls expected at once (instead of asyncio's default pool)."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import ray


def legacy_fetch(service, item):
    return service.call(item)


@ray.remote(num_cpus=0)
class Gateway:
    def __init__(self):
        self._pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="legacy")

    async def ping(self) -> str:
        return "pong"

    async def fetch(self, service, item):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, legacy_fetch, service, item)
