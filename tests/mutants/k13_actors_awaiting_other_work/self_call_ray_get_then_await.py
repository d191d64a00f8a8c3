"""Mutant: tries `ray.get(..., timeout=0.5)` on the self-call first and awaits the same ref when
that times out. It answers right, half a second late: for that half second the actor's loop,
deadlocked on itself, ran nothing."""

import ray

from solutions.k13_actors_awaiting_other_work.kata import *  # the solution, but for SelfCaller
from solutions.k13_actors_awaiting_other_work.kata import SelfCaller as _Solution

BREAKS = "self-call-does-not-deadlock"
SAYS = ("called ray.get on the actor's event-loop thread",)


@ray.remote(num_cpus=0)
class SelfCaller(_Solution.__ray_actor_class__):
    async def other_via_await(self) -> str:
        ref = ray.get_runtime_context().current_actor.other.remote()
        try:
            return ray.get(ref, timeout=0.5)
        except ray.exceptions.GetTimeoutError:
            return await ref
