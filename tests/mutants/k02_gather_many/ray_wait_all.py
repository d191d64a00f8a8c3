"""Mutant: `ray.wait(refs, num_returns=len(refs))` to wait until every task is done, then
gather the (now ready) refs. The ray.wait blocks the event loop's thread for the whole batch."""

import asyncio

import ray

from solutions.k02_gather_many.kata import *  # the solution, but for lookup_all

BREAKS = "loop-keeps-running"
SAYS = ("ray.wait",)


async def lookup_all(service, items) -> list:
    refs = [lookup.remote(service, item) for item in items]
    ray.wait(refs, num_returns=len(refs))
    return await asyncio.gather(*refs)
