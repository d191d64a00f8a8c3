"""Mutant: creates a NEW SelfCaller and awaits its `other`: no deadlock, but the answer is
another actor's, not this one's."""

import ray

from solutions.k13_actors_awaiting_other_work.kata import *  # the solution, but for other_via_await
from solutions.k13_actors_awaiting_other_work.kata import SelfCaller as _Solution

BREAKS = "self-call-through-the-handle"
SAYS = ("another actor", "current_actor")


@ray.remote(num_cpus=0)
class SelfCaller(_Solution.__ray_actor_class__):
    async def other_via_await(self) -> str:
        return await SelfCaller.remote().other.remote()
