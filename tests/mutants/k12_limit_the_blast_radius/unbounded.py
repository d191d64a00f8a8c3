"""Mutant: an async actor with no limit at all. Every call goes straight to the upstream, so
a burst of 50 becomes 50 calls in flight on the fragile service."""

import ray

REJECTED_BY = "test_never_more_than_limit_in_flight"


@ray.remote(num_cpus=0)
class Gateway:
    def __init__(self, limit: int):
        self.limit = limit

    async def fetch(self, service, item):
        return await service.acall(item)


def make_gateway(limit: int):
    return Gateway.remote(limit)
