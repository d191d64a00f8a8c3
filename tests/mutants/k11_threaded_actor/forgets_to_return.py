"""Mutant: fetch makes the blocking call but never returns its reply, so every caller gets
None."""

import ray

from solutions.k11_threaded_actor import kata as solution
from solutions.k11_threaded_actor.kata import *  # the solution, but for LegacyClient.fetch
from solutions.k11_threaded_actor.kata import LegacyClient as _Solution
from tests.variant_tools import rebuilt

BREAKS = "returns-the-reply"
SAYS = ("missing `return`",)


@ray.remote(num_cpus=0, max_concurrency=8)
class LegacyClient(_Solution.__ray_actor_class__):
    def fetch(self, service, item):
        service.call(item)


make_client = rebuilt(solution.make_client, globals())  # it makes the LegacyClient above
