"""Mutant: the self-call uses `ray.get` on a call to the same actor. The actor's only thread
waits for `other`, which needs that thread to run: a deadlock."""

import ray

from solutions.k13_actors_awaiting_other_work.kata import *  # the solution, but for other_via_await
from solutions.k13_actors_awaiting_other_work.kata import SelfCaller as _Solution

BREAKS = "self-call-does-not-deadlock"
SAYS = ("deadlocked", "ray.get")


@ray.remote(num_cpus=0)
class SelfCaller(_Solution.__ray_actor_class__):
    async def other_via_await(self) -> str:
        me = ray.get_runtime_context().current_actor
        return ray.get(me.other.remote())
