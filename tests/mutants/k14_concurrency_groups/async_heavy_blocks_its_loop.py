"""Mutant: an async actor with the right groups, but `async def heavy` calls the blocking
service.call directly. The work group is one event loop: the first blocking call holds it,
so the heavy calls run one at a time. Health, on its own group's loop, usually still
answers; now and then (busy cores) Ray holds it behind the blocked group, and the health
test is the first to fail: both tests name the mistake."""

import ray

from solutions.k14_concurrency_groups.kata import *  # the solution, but heavy is async
from solutions.k14_concurrency_groups.kata import Service as _Solution

BREAKS = "two-heavy-calls-at-once"
SAYS = ("async def heavy", "asyncio.to_thread")


@ray.remote(num_cpus=0, concurrency_groups={"health": 1, "work": 2})
class Service(_Solution.__ray_actor_class__):
    @ray.method(concurrency_group="work")
    async def heavy(self, item):
        return super().heavy(item)  # blocks the work group's loop for the whole call

    @ray.method(concurrency_group="health")
    async def health(self) -> dict:
        return super().health()
