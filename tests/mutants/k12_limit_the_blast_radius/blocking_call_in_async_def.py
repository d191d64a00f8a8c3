"""Mutant: the right semaphore, but inside it the blocking `service.call(item)` in an
`async def`: it holds the event loop's only thread, so one call runs at a time."""

import ray

from solutions.k12_limit_the_blast_radius import kata as solution
from solutions.k12_limit_the_blast_radius.kata import *  # the solution, but for Gateway.fetch
from solutions.k12_limit_the_blast_radius.kata import Gateway as _Solution
from tests.variant_tools import rebuilt

BREAKS = "uses-the-whole-limit"
SAYS = ("service.call", "event loop")


@ray.remote(num_cpus=0)
class Gateway(_Solution.__ray_actor_class__):
    async def fetch(self, service, item):
        async with self._slots:
            return service.call(item)


make_gateway = rebuilt(solution.make_gateway, globals())  # it makes the Gateway above
