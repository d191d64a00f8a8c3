"""Hang: `ray.get` on a call to this same actor, inside one of its methods, with no timeout.
The actor's only thread waits for `other`, which needs that thread: it never answers."""

import ray

from solutions.k13_actors_awaiting_other_work.kata import Aggregator, lookup

__all__ = ["Aggregator", "SelfCaller", "lookup"]


@ray.remote(num_cpus=0)
class SelfCaller:
    def __init__(self):
        self.name = "self-get-deadlock"

    async def other(self) -> str:
        return f"{self.name}: other() ran"

    async def other_via_get(self, seconds: float) -> str:
        me = ray.get_runtime_context().current_actor
        return ray.get(me.other.remote(), timeout=seconds)

    async def other_via_await(self) -> str:
        me = ray.get_runtime_context().current_actor
        return ray.get(me.other.remote())  # the deadlock: blocks the loop `other` needs
