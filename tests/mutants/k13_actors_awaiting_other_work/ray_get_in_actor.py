"""Mutant: `ray.get` inside the async actor's method. The lookups run together and the
answer is right, but while combine waits the actor's only event-loop thread is blocked: ping
cannot answer and other callers' combine calls wait their turn."""

import uuid

import ray

REJECTED_BY = "test_loop_keeps_serving_while_combine_waits"


@ray.remote(num_cpus=0)
def lookup(service, item):
    return service.call(item)


@ray.remote(num_cpus=0)
class Aggregator:
    async def ping(self) -> str:
        return "pong"

    async def combine(self, service, items: list) -> dict:
        refs = [lookup.remote(service, item) for item in items]
        return dict(zip(items, ray.get(refs), strict=True))


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
        return await me.other.remote()
