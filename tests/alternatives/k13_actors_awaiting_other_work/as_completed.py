"""Alternative: combine collects the replies with asyncio.as_completed (each lookup wrapped
in a small coroutine that remembers its item), and the self-call converts the ref to an
asyncio future first. Equally non-blocking, so it must pass."""

import asyncio
import uuid

import ray


@ray.remote(num_cpus=0)
def lookup(service, item):
    return service.call(item)


@ray.remote(num_cpus=0)
class Aggregator:
    async def ping(self) -> str:
        return "pong"

    async def combine(self, service, items: list) -> dict:
        async def one(item):
            return item, await lookup.remote(service, item)

        combined = {}
        for next_done in asyncio.as_completed([one(item) for item in items]):
            item, reply = await next_done
            combined[item] = reply
        return {item: combined[item] for item in items}


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
        ref = ray.get_runtime_context().current_actor.other.remote()
        return await asyncio.wrap_future(ref.future())
