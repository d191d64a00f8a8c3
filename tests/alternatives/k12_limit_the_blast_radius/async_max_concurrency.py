"""Alternative: an async actor whose max_concurrency is the limit (instead of Ray's default
1000 for async actors): Ray itself runs at most `limit` of its coroutines at once."""

import ray


@ray.remote(num_cpus=0)
class Gateway:
    def __init__(self, limit: int):
        self.limit = limit

    async def fetch(self, service, item):
        return await service.acall(item)


def make_gateway(limit: int):
    return Gateway.options(max_concurrency=limit).remote(limit)
