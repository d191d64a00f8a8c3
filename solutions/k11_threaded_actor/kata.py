"""Kata 11 · Threaded actor: reference solution."""

import ray


# max_concurrency=8 turns the sync actor into a threaded one: Ray runs up to 8 of its calls
# at once, each on its own thread. Without it a sync actor serves one call at a time.
@ray.remote(num_cpus=0, max_concurrency=8)
class LegacyClient:
    """A client for a slow service whose library is sync all the way down."""

    def fetch(self, service, item):
        """Return the service's reply for `item`, with its blocking `service.call(item)`."""
        # Blocking is fine here: it holds only this call's thread, and blocking IO releases
        # the GIL, so the other calls' waits overlap with this one.
        return service.call(item)


def make_client():
    """Create and return ONE LegacyClient actor that serves 8 calls at once."""
    return LegacyClient.remote()
