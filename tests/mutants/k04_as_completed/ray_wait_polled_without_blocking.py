"""Mutant: asks `ray.wait(..., timeout=0)` which refs are ready, handles those, and sleeps the
asyncio way before asking again. No single poll freezes the loop for long: only the count of
ray.wait calls made on the loop's thread shows the rule broken."""

import asyncio

import ray

from solutions.k04_as_completed.kata import *  # the solution, but for handle_as_completed

BREAKS = "loop-keeps-running"
SAYS = ("called ray.wait",)


async def handle_as_completed(service, items, handle) -> None:
    unfinished = [lookup.remote(service, item) for item in items]
    while unfinished:
        ready, unfinished = ray.wait(unfinished, num_returns=1, timeout=0)
        for ref in ready:
            handle(await ref)
        await asyncio.sleep(0.01)
