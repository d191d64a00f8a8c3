"""Mutant: the given demonstration copied, timeout and all: `ray.get(..., timeout=1)` on a
call to the same actor. It does not hang for ever, but it deadlocks until the timeout and then
fails with GetTimeoutError."""

import ray

from solutions.k13_actors_awaiting_other_work.kata import *  # the solution, but for other_via_await
from solutions.k13_actors_awaiting_other_work.kata import SelfCaller as _Solution

BREAKS = "self-call-does-not-deadlock"
SAYS = ("GetTimeoutError", "ray.get(..., timeout=...)")


@ray.remote(num_cpus=0)
class SelfCaller(_Solution.__ray_actor_class__):
    async def other_via_await(self) -> str:
        me = ray.get_runtime_context().current_actor
        return ray.get(me.other.remote(), timeout=1)
