"""Kata 13 · Actors awaiting other work: reference solution."""

import asyncio

import ray

# (Given) the lookup task, Aggregator.ping and most of SelfCaller, from the stub. The classes
# extend the stub's (`__ray_actor_class__` is the plain class behind a @ray.remote one).
from katas.k13_actors_awaiting_other_work.kata import Aggregator as _GivenAggregator
from katas.k13_actors_awaiting_other_work.kata import SelfCaller as _GivenSelfCaller
from katas.k13_actors_awaiting_other_work.kata import lookup


@ray.remote(num_cpus=0)
class Aggregator(_GivenAggregator.__ray_actor_class__):
    """An async actor (it has `async def` methods): every call to it runs as a coroutine on
    the actor's one event loop, so many callers can be served at once."""

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
class SelfCaller(_GivenSelfCaller.__ray_actor_class__):
    """An async actor that calls one of its own methods through its own handle."""

    async def other_via_await(self) -> str:
        """Call this actor's own `other` method THROUGH ITS HANDLE and return its answer,
        without deadlocking."""
        # The call to `other` is queued on this same actor. Awaiting the ref suspends only
        # this coroutine, so the loop is free to run `other`, and then resumes us.
        me = ray.get_runtime_context().current_actor
        return await me.other.remote()
