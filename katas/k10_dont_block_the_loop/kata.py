"""Kata 10 · Don't block the loop. The instructions are in README.md next to this file."""

import ray

from dojo import todo


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
        # TODO: call the blocking legacy_fetch so that the event loop stays free while it
        # waits (other calls and ping() must keep running meanwhile).
        todo("run legacy_fetch(service, item) without blocking the event loop")
