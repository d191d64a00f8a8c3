"""Mutant: `async def fetch` awaiting the service's non-blocking `acall`. One async actor
does serve 8 calls at once, but the task was a threaded actor around a library that is sync
all the way down: a plain `def` and the blocking `service.call(item)`."""

import ray

from solutions.k11_threaded_actor import kata as solution
from solutions.k11_threaded_actor.kata import *  # the solution, but for LegacyClient.fetch
from solutions.k11_threaded_actor.kata import LegacyClient as _Solution
from tests.variant_tools import rebuilt

BREAKS = "plain-blocking-fetch"
SAYS = ("async def", "plain `def`")


@ray.remote(num_cpus=0)
class LegacyClient(_Solution.__ray_actor_class__):
    async def fetch(self, service, item):
        return await service.acall(item)


make_client = rebuilt(solution.make_client, globals())  # it makes the LegacyClient above
