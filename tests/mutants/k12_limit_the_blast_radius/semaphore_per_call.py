"""Mutant: the semaphore is made inside fetch, so every call gets a fresh one of its own and
walks straight through: no limit at all, though it looks like one."""

import asyncio

import ray

from solutions.k12_limit_the_blast_radius import kata as solution
from solutions.k12_limit_the_blast_radius.kata import *  # the solution, but for Gateway.fetch
from solutions.k12_limit_the_blast_radius.kata import Gateway as _Solution
from tests.variant_tools import rebuilt

BREAKS = "never-more-than-limit"
SAYS = ("semaphore made inside fetch",)


@ray.remote(num_cpus=0)
class Gateway(_Solution.__ray_actor_class__):
    async def fetch(self, service, item):
        async with asyncio.Semaphore(self.limit):
            return await service.acall(item)


make_gateway = rebuilt(solution.make_gateway, globals())  # it makes the Gateway above
