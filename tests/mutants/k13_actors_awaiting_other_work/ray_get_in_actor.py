"""Mutant: `ray.get` inside the async actor's method. The lookups run together and the
answer is right, but while combine waits the actor's only event-loop thread is blocked: ping
cannot answer and other callers' combine calls wait their turn."""

import ray

from solutions.k13_actors_awaiting_other_work.kata import *  # the solution, but for combine
from solutions.k13_actors_awaiting_other_work.kata import Aggregator as _Solution

BREAKS = "ping-answers-while-combine-waits"
SAYS = ("ray.get",)


@ray.remote(num_cpus=0)
class Aggregator(_Solution.__ray_actor_class__):
    async def combine(self, service, items: list) -> dict:
        refs = [lookup.remote(service, item) for item in items]
        return dict(zip(items, ray.get(refs), strict=True))
