"""Mutant: a `ray.wait` loop with a timeout, believing the timeout keeps it responsive. Each
round blocks the event loop's thread until a ref is ready or the timeout passes, and the loop
never awaits in between."""

import asyncio

import ray

from solutions.k02_gather_many.kata import *  # the solution, but for lookup_all

BREAKS = "loop-keeps-running"
SAYS = ("ray.wait",)


async def lookup_all(service, items) -> list:
    refs = [lookup.remote(service, item) for item in items]
    pending = refs
    while pending:
        _, pending = ray.wait(pending, num_returns=len(pending), timeout=0.5)
    return await asyncio.gather(*refs)
