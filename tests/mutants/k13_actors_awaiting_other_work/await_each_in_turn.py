"""Mutant: combine awaits each lookup before starting the next. The loop stays free (ping
answers, callers overlap), but each caller's items are looked up one at a time."""

import ray

from solutions.k13_actors_awaiting_other_work.kata import *  # the solution, but for combine
from solutions.k13_actors_awaiting_other_work.kata import Aggregator as _Solution

BREAKS = "starts-every-lookup-first"
SAYS = ("awaiting each lookup before starting the next",)


@ray.remote(num_cpus=0)
class Aggregator(_Solution.__ray_actor_class__):
    async def combine(self, service, items: list) -> dict:
        return {item: await lookup.remote(service, item) for item in items}
