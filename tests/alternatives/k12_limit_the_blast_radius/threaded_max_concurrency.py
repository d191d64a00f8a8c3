"""Alternative: a threaded actor (plain `def`, the blocking service.call) whose
max_concurrency is set to the limit at creation: Ray runs at most `limit` calls at once,
each on its own thread. No semaphore."""

import ray


@ray.remote(num_cpus=0)
class Gateway:
    def __init__(self, limit: int):
        self.limit = limit

    def fetch(self, service, item):
        return service.call(item)


def make_gateway(limit: int):
    return Gateway.options(max_concurrency=limit).remote(limit)
