"""Kata 09 · Async actor. The instructions are in README.md next to this file."""

import ray

from dojo import todo


@ray.remote(num_cpus=0)
class Fetcher:
    """One actor that fetches items from a slow service for many callers at once."""

    def fetch(self, service, item):
        """Return the service's reply for `item`. One Fetcher must serve many calls at once."""
        # TODO: get the reply with `await service.acall(item)` (the non-blocking call).
        # What kind of method lets an actor wait for many calls at the same time?
        todo("make fetch a method that awaits service.acall(item)")
