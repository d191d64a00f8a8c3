"""Alternative: combine starts one asyncio task per lookup in a TaskGroup (Python 3.11) and
reads the results when the group ends; the self-call waits with asyncio.wait_for. Equally
non-blocking, so it must pass."""

import asyncio

import ray

from solutions.k13_actors_awaiting_other_work.kata import *  # the solution, but for both
from solutions.k13_actors_awaiting_other_work.kata import Aggregator as _SolutionAggregator
from solutions.k13_actors_awaiting_other_work.kata import SelfCaller as _SolutionSelfCaller


async def _wait_for(ref):
    return await ref


@ray.remote(num_cpus=0)
class Aggregator(_SolutionAggregator.__ray_actor_class__):
    async def combine(self, service, items: list) -> dict:
        async with asyncio.TaskGroup() as group:
            tasks = {
                item: group.create_task(_wait_for(lookup.remote(service, item))) for item in items
            }
        return {item: task.result() for item, task in tasks.items()}


@ray.remote(num_cpus=0)
class SelfCaller(_SolutionSelfCaller.__ray_actor_class__):
    async def other_via_await(self) -> str:
        me = ray.get_runtime_context().current_actor
        return await asyncio.wait_for(me.other.remote(), timeout=60)
