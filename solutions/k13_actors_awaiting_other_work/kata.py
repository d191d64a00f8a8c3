"""Kata 13 · Actors awaiting other work: reference solution."""

import asyncio
import uuid

import ray


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
        # Start every task first, then await the refs together: while this coroutine is
        # suspended in gather, the actor's loop runs the other calls (ping, other callers).
        # ray.get would hold the loop's only thread until every lookup is done.
        refs = [lookup.remote(service, item) for item in items]
        replies = await asyncio.gather(*refs)
        return dict(zip(items, replies, strict=True))


@ray.remote(num_cpus=0)
class SelfCaller:
    """An async actor that calls one of its own methods through its own handle."""

    def __init__(self):
        self.name = f"caller-{uuid.uuid4().hex[:6]}"

    async def other(self) -> str:
        """The method being called. (Given: keep it.)"""
        return f"{self.name}: other() ran"

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
        # The call to `other` is queued on this same actor. Awaiting the ref suspends only
        # this coroutine, so the loop is free to run `other`, and then resumes us.
        me = ray.get_runtime_context().current_actor
        return await me.other.remote()
