"""Alternative: the method awaits a helper coroutine under `asyncio.wait_for` (a per-call
timeout). Still one await chain on the actor's loop, so calls overlap just the same."""

import asyncio

import ray


@ray.remote(num_cpus=0)
class Fetcher:
    async def _ask(self, service, item):
        return await service.acall(item)

    async def fetch(self, service, item):
        return await asyncio.wait_for(self._ask(service, item), timeout=10)
