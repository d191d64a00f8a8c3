"""Kata 13 · Actors awaiting other work. The instructions are in README.md next to this file."""

import uuid

import ray

from dojo import todo


@ray.remote(num_cpus=0)
def lookup(service, item):
    """One slow, IO-bound call to the service for one item, as a Ray task. (Given: keep it.)"""
    return service.call(item)


@ray.remote(num_cpus=0)
class Aggregator:
    """An async actor (it has `async def` methods): every call to it runs as a coroutine on
    the actor's one event loop, so many callers can be served at once."""

    async def ping(self) -> str:
        """A cheap health check: it must answer at any moment. (Given: keep it.)"""
        return "pong"

    async def combine(self, service, items: list) -> dict:
        """Look up every item with the `lookup` task, all at the same time, and return
        {item: reply}. Other calls to this actor (ping, other callers' combine) must keep
        running while this one waits."""
        # TODO: start lookup.remote(service, item) for every item, then wait for all the refs
        # together the asyncio way. Never ray.get on the loop: it blocks the actor's only loop.
        todo("start a lookup task per item, await them all together, return {item: reply}")


@ray.remote(num_cpus=0)
class SelfCaller:
    """An async actor that calls one of its own methods through its own handle."""

    def __init__(self):
        self.name = f"caller-{uuid.uuid4().hex[:6]}"

    async def other(self) -> str:
        """The method being called. (Given: keep it.) Its answer names the Ray call it ran
        in, so the tests can tell a call of its own (through the handle) from a plain
        `await self.other()`, which runs inside the caller's call."""
        return f"{self.name}: other() ran in Ray call {ray.get_runtime_context().get_task_id()}"

    async def other_via_get(self, seconds: float) -> str:
        """(Given, and WRONG on purpose: a demonstration, do not copy it.)

        Blocks the actor's only thread in ray.get until `other` answers, but `other` needs
        that very thread to run: a deadlock. The timeout is only there so the demonstration
        ends (with GetTimeoutError); without it the actor would hang for ever."""
        me = ray.get_runtime_context().current_actor
        return ray.get(me.other.remote(), timeout=seconds)

    async def other_via_await(self) -> str:
        """Call this actor's own `other` method THROUGH ITS HANDLE and return its answer,
        without deadlocking."""
        # TODO: get this actor's handle (ray.get_runtime_context().current_actor), call
        # other.remote() on it, and wait for the ref in a way that leaves the loop free.
        todo("call other.remote() on this actor's own handle and await the ref")
