"""Mutant: the Ray-native as-completed loop, `ray.wait(refs, num_returns=1)`, inside a
coroutine. Results are handled in completion order, but ray.wait blocks the event loop's
thread while it waits for the next one."""

import ray

from solutions.k04_as_completed.kata import *  # the solution, but for handle_as_completed

BREAKS = "loop-keeps-running"
SAYS = ("ray.wait",)


async def handle_as_completed(service, items, handle) -> None:
    pending = [lookup.remote(service, item) for item in items]
    while pending:
        ready, pending = ray.wait(pending, num_returns=1)
        handle(await ready[0])
