"""Mutant: when all slots are taken, the call is turned away with an error instead of
waiting its turn. The upstream is safe, but 46 of 50 callers get "busy"."""

import ray

from solutions.k12_limit_the_blast_radius.kata import *  # the solution, but for Gateway.fetch
from solutions.k12_limit_the_blast_radius.kata import Gateway as _Solution

BREAKS = "queues-the-rest"
SAYS = ("turning calls away", "wait for a free slot")


class Busy(Exception):
    pass


@ray.remote(num_cpus=0)
class Gateway(_Solution.__ray_actor_class__):
    async def fetch(self, service, item):
        if self._slots.locked():
            raise Busy(f"{self.limit} calls in flight already: try again later")
        async with self._slots:
            return await service.acall(item)


def make_gateway(limit: int):  # the solution's own would create the solution's Gateway
    return Gateway.remote(limit)
