"""Mutant: calls the blocking `legacy_fetch` directly inside `async def`. Right replies, but
it holds the event loop's only thread: calls run one at a time and ping() cannot answer until
they are done."""

import ray

from solutions.k10_dont_block_the_loop.kata import *  # the solution, but for Gateway.fetch
from solutions.k10_dont_block_the_loop.kata import Gateway as _Solution

BREAKS = "ping-answers-while-calls-wait"
SAYS = ("legacy_fetch", "event loop")


@ray.remote(num_cpus=0)
class Gateway(_Solution.__ray_actor_class__):
    async def fetch(self, service, item):
        return legacy_fetch(service, item)
