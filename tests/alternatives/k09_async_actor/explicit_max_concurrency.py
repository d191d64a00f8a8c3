"""Alternative: the async actor sets `max_concurrency` explicitly (64, instead of Ray's
default of 1000 for async actors). Enough room for 20 calls at once, so it must pass."""

import ray


@ray.remote(num_cpus=0, max_concurrency=64)
class Fetcher:
    async def fetch(self, service, item):
        return await service.acall(item)
