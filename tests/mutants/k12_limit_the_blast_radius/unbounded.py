"""Mutant: an async actor with no limit at all. Every call goes straight to the upstream, so
a burst of 50 becomes 50 calls in flight on the fragile service."""

import ray

from solutions.k12_limit_the_blast_radius import kata as solution
from solutions.k12_limit_the_blast_radius.kata import *  # the solution, but for Gateway.fetch
from solutions.k12_limit_the_blast_radius.kata import Gateway as _Solution
from tests.variant_tools import rebuilt

BREAKS = "never-more-than-limit"
SAYS = ("no limit at all",)


@ray.remote(num_cpus=0)
class Gateway(_Solution.__ray_actor_class__):
    async def fetch(self, service, item):
        return await service.acall(item)


make_gateway = rebuilt(solution.make_gateway, globals())  # it makes the Gateway above
