"""Alternative: an async actor with the same groups. heavy runs the blocking call in a thread
(asyncio.to_thread) so the work group's loop stays free; each group has its own event loop
and thread, so the counter shared by heavy and health is guarded by a threading.Lock, never
an asyncio one. Must pass."""

import asyncio

import ray

from solutions.k14_concurrency_groups.kata import *  # the solution, but async methods
from solutions.k14_concurrency_groups.kata import Service as _Solution


@ray.remote(num_cpus=0, concurrency_groups={"health": 1, "work": 2})
class Service(_Solution.__ray_actor_class__):
    @ray.method(concurrency_group="work")
    async def heavy(self, item):
        with self.lock:
            self.working += 1
        try:
            return await asyncio.to_thread(self.service.call, item)
        finally:
            with self.lock:
                self.working -= 1

    @ray.method(concurrency_group="health")
    async def health(self) -> dict:
        return super().health()
