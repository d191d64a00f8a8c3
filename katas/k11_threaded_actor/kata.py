"""Kata 11 · Threaded actor. The instructions are in README.md next to this file."""

import ray

from dojo import todo


# TODO: a sync actor runs one call at a time. Let it run 8 calls at once, here or in
# make_client() below.
@ray.remote(num_cpus=0)
class LegacyClient:
    """A client for a slow service whose library is sync all the way down."""

    def fetch(self, service, item):
        """Return the service's reply for `item`, with its blocking `service.call(item)`."""
        # TODO: make the blocking call (plain `def`, no asyncio needed).
        todo("return service.call(item)")


def make_client():
    """Create and return ONE LegacyClient actor that serves 8 calls at once."""
    # TODO: create the actor and return its handle.
    todo("create a LegacyClient that runs 8 calls at once, and return its handle")
