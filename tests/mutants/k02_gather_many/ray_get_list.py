"""Mutant: `ray.get(refs)` inside the coroutine. All tasks do run at once and the results are
right, but the event loop's thread blocks until the last one is done."""

import ray

from solutions.k02_gather_many.kata import *  # the solution, but for lookup_all

BREAKS = "loop-keeps-running"
SAYS = ("ray.get",)


async def lookup_all(service, items) -> list:
    refs = [lookup.remote(service, item) for item in items]
    return ray.get(refs)
