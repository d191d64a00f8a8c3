"""Kata 12 · Limit the blast radius. The instructions are in README.md next to this file."""

import ray

from dojo import todo


@ray.remote(num_cpus=0)
class Gateway:
    """The one door to a fragile upstream: never more than `limit` calls in flight through it."""

    def __init__(self, limit: int):
        # TODO (if your way needs it): set up what enforces the limit.
        self.limit = limit

    async def fetch(self, service, item):
        """Return the upstream's reply for `item`, with at most `limit` upstream calls in
        flight on this actor at any moment."""
        # TODO: call the upstream (await service.acall(item)), at most `limit` at a time.
        todo("call service.acall(item) with at most `limit` calls in flight")


def make_gateway(limit: int):
    """Create and return ONE Gateway actor that never has more than `limit` calls in flight."""
    # TODO: create the actor (you may set actor options here) and return its handle.
    todo("create a Gateway for `limit` and return its handle")
