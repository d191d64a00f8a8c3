"""Alternative: combine collects the replies with asyncio.as_completed (each lookup wrapped
in a small coroutine that remembers its item), and the self-call converts the ref to an
asyncio future first. Equally non-blocking, so it must pass."""

import asyncio

import ray

from solutions.k13_actors_awaiting_other_work.kata import *  # the solution, but for both
from solutions.k13_actors_awaiting_other_work.kata import Aggregator as _SolutionAggregator
from solutions.k13_actors_awaiting_other_work.kata import SelfCaller as _SolutionSelfCaller


@ray.remote(num_cpus=0)
class Aggregator(_SolutionAggregator.__ray_actor_class__):
    async def combine(self, service, items: list) -> dict:
        async def one(item):
            return item, await lookup.remote(service, item)

        combined = {}
        for next_done in asyncio.as_completed([one(item) for item in items]):
            item, reply = await next_done
            combined[item] = reply
        return {item: combined[item] for item in items}


@ray.remote(num_cpus=0)
class SelfCaller(_SolutionSelfCaller.__ray_actor_class__):
    async def other_via_await(self) -> str:
        ref = ray.get_runtime_context().current_actor.other.remote()
        return await asyncio.wrap_future(ref.future())
