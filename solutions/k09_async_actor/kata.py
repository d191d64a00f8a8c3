"""Kata 09 · Async actor: reference solution."""

import ray


@ray.remote(num_cpus=0)
class Fetcher:
    """One actor that fetches items from a slow service for many callers at once."""

    async def fetch(self, service, item):
        """Return the service's reply for `item`. One Fetcher must serve many calls at once."""
        # `async def` makes Fetcher an async actor: every call is a coroutine on the actor's
        # event loop, and while one is parked at `await` (waiting for the service) the loop
        # runs the others. A plain `def` (or a blocking call in here) would serve one at a time.
        return await service.acall(item)
