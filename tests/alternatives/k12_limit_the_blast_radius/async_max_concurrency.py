"""Alternative: an async actor whose max_concurrency is the limit (instead of Ray's default
1000 for async actors): Ray itself runs at most `limit` of its coroutines at once."""

import ray

from solutions.k12_limit_the_blast_radius.kata import *  # the solution, but for Gateway.fetch
from solutions.k12_limit_the_blast_radius.kata import Gateway as _Solution


@ray.remote(num_cpus=0)
class Gateway(_Solution.__ray_actor_class__):
    async def fetch(self, service, item):
        return await service.acall(item)


def make_gateway(limit: int):
    return Gateway.options(max_concurrency=limit).remote(limit)
