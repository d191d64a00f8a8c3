"""Mutant: the `ray.wait` loop with a timeout, believing the timeout keeps the loop free. Each
round still blocks the event loop's thread until a result is ready or the timeout passes."""

import ray

from solutions.k04_as_completed.kata import *  # the solution, but for handle_as_completed

BREAKS = "loop-keeps-running"
SAYS = ("ray.wait",)


async def handle_as_completed(service, items, handle) -> None:
    pending = [lookup.remote(service, item) for item in items]
    while pending:
        ready, pending = ray.wait(pending, num_returns=1, timeout=0.5)
        for ref in ready:
            handle(await ref)
