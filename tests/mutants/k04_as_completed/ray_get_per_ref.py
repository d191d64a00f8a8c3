"""Mutant: starts every lookup, then `ray.get` on each ref in turn. ray.get blocks the event
loop's thread while it waits (and, like awaiting the refs in that order, it handles them in
the order they were started, not as they complete: the freeze is what the tests name)."""

import ray

from solutions.k04_as_completed.kata import *  # the solution, but for handle_as_completed

BREAKS = "loop-keeps-running"
SAYS = ("ray.get",)


async def handle_as_completed(service, items, handle) -> None:
    refs = [lookup.remote(service, item) for item in items]
    for ref in refs:
        handle(ray.get(ref))
