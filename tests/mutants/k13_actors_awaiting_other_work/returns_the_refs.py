"""Mutant: combine starts the lookups and returns their refs without awaiting them: the
caller gets {item: ObjectRef}, not the replies."""

import ray

from solutions.k13_actors_awaiting_other_work.kata import *  # the solution, but for combine
from solutions.k13_actors_awaiting_other_work.kata import Aggregator as _Solution

BREAKS = "returns-every-reply"
SAYS = ("never awaited",)


@ray.remote(num_cpus=0)
class Aggregator(_Solution.__ray_actor_class__):
    async def combine(self, service, items: list) -> dict:
        return {item: lookup.remote(service, item) for item in items}
