"""Mutant: `await self.other()`. It answers at once and never deadlocks, but it is a plain
method call inside this call: the task was a call through the actor's own handle, a Ray call
of its own."""

import ray

from solutions.k13_actors_awaiting_other_work.kata import *  # the solution, but for other_via_await
from solutions.k13_actors_awaiting_other_work.kata import SelfCaller as _Solution

BREAKS = "self-call-through-the-handle"
SAYS = ("await self.other()", "handle")


@ray.remote(num_cpus=0)
class SelfCaller(_Solution.__ray_actor_class__):
    async def other_via_await(self) -> str:
        return await self.other()
