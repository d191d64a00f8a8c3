"""Alternative: a threaded actor (plain `def`, the blocking service.call) whose
max_concurrency is set to the limit at creation: Ray runs at most `limit` calls at once,
each on its own thread. No semaphore."""

import ray

from solutions.k12_limit_the_blast_radius.kata import *  # the solution, but for Gateway.fetch
from solutions.k12_limit_the_blast_radius.kata import Gateway as _Solution


@ray.remote(num_cpus=0)
class Gateway(_Solution.__ray_actor_class__):
    def fetch(self, service, item):
        return service.call(item)


def make_gateway(limit: int):
    return Gateway.options(max_concurrency=limit).remote(limit)
