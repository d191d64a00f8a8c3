"""Alternative: combine starts one asyncio task per lookup in a TaskGroup (Python 3.11) and
reads the results when the group ends; the self-call waits with asyncio.wait_for. Equally
non-blocking, so it must pass."""

import asyncio
import uuid

import ray


@ray.remote(num_cpus=0)
def lookup(service, item):
    return service.call(item)


async def _wait_for(ref):
    return await ref


@ray.remote(num_cpus=0)
class Aggregator:
    async def ping(self) -> str:
        return "pong"

    async def combine(self, service, items: list) -> dict:
        async with asyncio.TaskGroup() as group:
            tasks = {
                item: group.create_task(_wait_for(lookup.remote(service, item))) for item in items
            }
        return {item: task.result() for item, task in tasks.items()}


@ray.remote(num_cpus=0)
class SelfCaller:
    def __init__(self):
        self.name = f"caller-{uuid.uuid4().hex[:6]}"

    async def other(self) -> str:
        return f"{self.name}: other() ran"

    async def other_via_get(self, seconds: float) -> str:
        me = ray.get_runtime_context().current_actor
        return ray.get(me.other.remote(), timeout=seconds)

    async def other_via_await(self) -> str:
        me = ray.get_runtime_context().current_actor
        return await asyncio.wait_for(me.other.remote(), timeout=60)
