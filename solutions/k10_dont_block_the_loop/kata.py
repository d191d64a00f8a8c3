"""Kata 10 · Don't block the loop: reference solution."""

import asyncio

import ray

# (Given) the blocking library call, and the actor's ping, from the stub.
from katas.k10_dont_block_the_loop.kata import Gateway as _Given
from katas.k10_dont_block_the_loop.kata import legacy_fetch


# The class extends the stub's, whose ping() is given (`__ray_actor_class__` is the plain
# class behind a @ray.remote one).
@ray.remote(num_cpus=0)
class Gateway(_Given.__ray_actor_class__):
    """An async actor that serves many callers through the blocking legacy_fetch."""

    async def fetch(self, service, item):
        """Return legacy_fetch(service, item) without freezing the actor's event loop."""
        # The blocking call runs on a thread of the loop's default pool; this coroutine is
        # suspended until it returns, and meanwhile the loop's own thread keeps serving other
        # fetches and ping(). Called directly, legacy_fetch would freeze the whole actor.
        return await asyncio.to_thread(legacy_fetch, service, item)
