"""Mutant: `async def`, but the body makes the blocking `service.call(item)`. The actor is
async, yet the blocking call holds the event loop's only thread, so calls still run one at a
time."""

import ray

REJECTED_BY = "test_twenty_calls_overlap_on_one_actor"


@ray.remote(num_cpus=0)
class Fetcher:
    async def fetch(self, service, item):
        return service.call(item)
