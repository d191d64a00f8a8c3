"""Mutant: when all slots are taken, the call is turned away with an error instead of
waiting its turn. The upstream is safe, but 46 of 50 callers get "busy"."""

import ray

from solutions.k12_limit_the_blast_radius import kata as solution
from solutions.k12_limit_the_blast_radius.kata import *  # the solution, but for Gateway.fetch
from solutions.k12_limit_the_blast_radius.kata import Gateway as _Solution
from tests.variant_tools import rebuilt

BREAKS = "queues-the-rest"
SAYS = ("turning calls away", "wait for a free slot")


class Busy(Exception):
    pass


@ray.remote(num_cpus=0)
class Gateway(_Solution.__ray_actor_class__):
    async def fetch(self, service, item):
        if self._slots.locked():  # the mistake: turned away instead of waiting for a slot
            raise Busy(f"{self.limit} calls in flight already: try again later")
        return await super().fetch(service, item)


make_gateway = rebuilt(solution.make_gateway, globals())  # it makes the Gateway above
