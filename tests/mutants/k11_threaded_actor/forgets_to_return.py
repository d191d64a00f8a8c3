"""Mutant: fetch makes the blocking call but never returns its reply, so every caller gets
None."""

import ray

from solutions.k11_threaded_actor.kata import *  # the solution, but for LegacyClient.fetch
from solutions.k11_threaded_actor.kata import LegacyClient as _Solution

BREAKS = "returns-the-reply"
SAYS = ("missing `return`",)


@ray.remote(num_cpus=0, max_concurrency=8)
class LegacyClient(_Solution.__ray_actor_class__):
    def fetch(self, service, item):
        service.call(item)


def make_client():  # the solution's own make_client would create the solution's class
    return LegacyClient.remote()
