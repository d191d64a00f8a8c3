"""Alternative: both methods wait with a blocking ray.get, but in a worker thread
(asyncio.to_thread), never on the actor's event-loop thread: the loop stays free to run ping,
the other callers' combine and the self-call's `other`. It passes, at the price of one thread
of the loop's small default pool per waiting call; awaiting the refs costs none."""

import asyncio

import ray

from solutions.k13_actors_awaiting_other_work.kata import *  # the solution, but for both
from solutions.k13_actors_awaiting_other_work.kata import Aggregator as _SolutionAggregator
from solutions.k13_actors_awaiting_other_work.kata import SelfCaller as _SolutionSelfCaller


@ray.remote(num_cpus=0)
class Aggregator(_SolutionAggregator.__ray_actor_class__):
    async def combine(self, service, items: list) -> dict:
        refs = [lookup.remote(service, item) for item in items]
        replies = await asyncio.to_thread(ray.get, refs)
        return dict(zip(items, replies, strict=True))


@ray.remote(num_cpus=0)
class SelfCaller(_SolutionSelfCaller.__ray_actor_class__):
    async def other_via_await(self) -> str:
        me = ray.get_runtime_context().current_actor
        return await asyncio.to_thread(ray.get, me.other.remote())
