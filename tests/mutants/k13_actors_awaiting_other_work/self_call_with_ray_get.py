"""Mutant: the self-call uses `ray.get` on a call to the same actor. The actor's only thread
waits for `other`, which needs that thread to run: a deadlock."""

import asyncio
import uuid

import ray

REJECTED_BY = "test_calling_itself_with_await_does_not_deadlock"


@ray.remote(num_cpus=0)
def lookup(service, item):
    return service.call(item)


@ray.remote(num_cpus=0)
class Aggregator:
    async def ping(self) -> str:
        return "pong"

    async def combine(self, service, items: list) -> dict:
        replies = await asyncio.gather(*[lookup.remote(service, item) for item in items])
        return dict(zip(items, replies, strict=True))


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
        return ray.get(me.other.remote())
