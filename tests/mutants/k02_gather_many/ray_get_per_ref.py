"""Mutant: starts every task, then `ray.get` on each ref in turn. All calls are in flight at
once and the order is right, but each ray.get blocks the event loop's thread."""

import ray

from solutions.k02_gather_many.kata import *  # the solution, but for lookup_all

BREAKS = "loop-keeps-running"
SAYS = ("ray.get",)


async def lookup_all(service, items) -> list:
    refs = [lookup.remote(service, item) for item in items]
    return [ray.get(ref) for ref in refs]
