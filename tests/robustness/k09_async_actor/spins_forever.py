"""Hang: for one item, the actor method spins in a CPU-bound loop that never awaits, so the
actor's event loop never gets its thread back. Other items get the correct answer."""

import ray

from solutions.k09_async_actor.kata import *  # the solution, but for Fetcher.fetch
from solutions.k09_async_actor.kata import Fetcher as _Solution

SPIN_ON = "bee"  # in test_fetch_returns_the_service_reply's items, not in the others


@ray.remote(num_cpus=0)
class Fetcher(_Solution.__ray_actor_class__):
    async def fetch(self, service, item):
        if item == SPIN_ON:
            spins = 0
            while True:  # "poll until ready", without ever awaiting
                spins += 1
        return await super().fetch(service, item)
