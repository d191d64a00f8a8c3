"""Kata 15 · Cancellation inside actors: reference solution."""

import ray

from katas.k15_cancellation_inside_actors.kata import Pool as _Given


# The class extends the stub's, whose __init__, leased_count and use_with_deadline are given
# (`__ray_actor_class__` is the plain class behind a @ray.remote one).
@ray.remote(num_cpus=0)
class Pool(_Given.__ray_actor_class__):
    """An async actor that lends connections to a slow service: each call holds a lease
    while it talks to the service, and must give it back however the call ends."""

    async def use(self, service, item):
        """Take a lease, return `await service.acall(item)`, and give the lease back when the
        call ends: finished, failed, or cancelled with ray.cancel."""
        # ray.cancel on an async actor call raises CancelledError at the `await` in here, and
        # the service call it was waiting for is cancelled with it. `finally` runs on that
        # path too, so the lease always comes back; and since nothing catches the
        # CancelledError, it goes on up, which is what asyncio.timeout, wait_for and
        # TaskGroup inside the actor rely on.
        self.leased += 1
        try:
            return await service.acall(item)
        finally:
            self.leased -= 1
