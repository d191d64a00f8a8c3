"""Kata 10 · Don't block the loop: reference solution."""

import asyncio

import ray


def legacy_fetch(service, item):
    """A blocking library call: holds its thread until the service answers. (Given: keep it,
    and don't rewrite it; pretend it is a third-party library.)"""
    return service.call(item)


@ray.remote(num_cpus=0)
class Gateway:
    """An async actor that serves many callers through the blocking legacy_fetch."""

    async def ping(self) -> str:
        """A cheap health check. (Given: keep it.)"""
        return "pong"

    async def fetch(self, service, item):
        """Return legacy_fetch(service, item) without freezing the actor's event loop."""
        # The blocking call runs on a thread of the loop's default pool; this coroutine is
        # suspended until it returns, and meanwhile the loop's own thread keeps serving other
        # fetches and ping(). Called directly, legacy_fetch would freeze the whole actor.
        return await asyncio.to_thread(legacy_fetch, service, item)
