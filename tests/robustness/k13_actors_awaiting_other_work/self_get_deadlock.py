"""Hang: `ray.get` on a call to this same actor, inside one of its methods, with no timeout.
The actor's only thread waits for `other`, which needs that thread: it never answers."""

import ray

from solutions.k13_actors_awaiting_other_work.kata import *  # the solution, but for the self-call
from solutions.k13_actors_awaiting_other_work.kata import SelfCaller as _Solution


@ray.remote(num_cpus=0)
class SelfCaller(_Solution.__ray_actor_class__):
    async def other_via_await(self) -> str:
        me = ray.get_runtime_context().current_actor
        return ray.get(me.other.remote())  # the deadlock: blocks the loop `other` needs
