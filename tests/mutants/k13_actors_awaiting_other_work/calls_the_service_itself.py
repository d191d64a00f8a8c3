"""Mutant: combine calls the service itself, each call in a worker thread, all together,
instead of starting the given lookup task per item. The replies are right and the loop stays
free: only where the calls ran shows it."""

import asyncio

import ray

from solutions.k13_actors_awaiting_other_work.kata import *  # the solution, but for combine
from solutions.k13_actors_awaiting_other_work.kata import Aggregator as _Solution

BREAKS = "returns-every-reply"
SAYS = ("not from lookup tasks",)


@ray.remote(num_cpus=0)
class Aggregator(_Solution.__ray_actor_class__):
    async def combine(self, service, items: list) -> dict:
        replies = await asyncio.gather(*(asyncio.to_thread(service.call, i) for i in items))
        return dict(zip(items, replies, strict=True))
