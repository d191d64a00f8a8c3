"""Mutant: combine starts one lookup and blocks in `ray.get` on it before starting the
next. Each caller's lookups run one at a time, and while one waits the actor's loop is
blocked, so the other callers wait too: only one lookup in flight in the whole actor."""

import ray

from solutions.k13_actors_awaiting_other_work.kata import *  # the solution, but for combine
from solutions.k13_actors_awaiting_other_work.kata import Aggregator as _Solution

BREAKS = "starts-every-lookup-first"
SAYS = ("ray.get", "blocking wait per item")


@ray.remote(num_cpus=0)
class Aggregator(_Solution.__ray_actor_class__):
    async def combine(self, service, items: list) -> dict:
        return {item: ray.get(lookup.remote(service, item)) for item in items}
