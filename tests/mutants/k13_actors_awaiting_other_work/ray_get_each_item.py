"""Mutant: combine starts one lookup and blocks in `ray.get` on it before starting the
next. Each caller's lookups run one at a time, and while one waits the actor's loop is
blocked, so the other callers wait too: only one lookup in flight in the whole actor."""

import uuid

import ray

REJECTED_BY = "test_concurrent_callers_are_not_serialised"


@ray.remote(num_cpus=0)
def lookup(service, item):
    return service.call(item)


@ray.remote(num_cpus=0)
class Aggregator:
    async def ping(self) -> str:
        return "pong"

    async def combine(self, service, items: list) -> dict:
        return {item: ray.get(lookup.remote(service, item)) for item in items}


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
