"""Mutant: the `ray.wait` window again, with a timeout and an `await asyncio.sleep(0)` between
polls "to let the loop breathe". Each ray.wait still blocks the thread until a call finishes
(or the timeout passes): the loop stays frozen for most of the batch."""

import asyncio

import ray

from solutions.k08_bounded_fan_out.kata import *  # the solution, but for process_bounded

BREAKS = "keeps-the-loop-free"
SAYS = ("froze", "ray.wait")


async def process_bounded(service, items, limit: int) -> list:
    results = [None] * len(items)
    upcoming = list(enumerate(items))[::-1]
    running = {}
    while upcoming or running:
        while upcoming and len(running) < limit:
            index, item = upcoming.pop()
            running[work.remote(service, item)] = index
        ready, _ = ray.wait(list(running), num_returns=1, timeout=2.0)
        for ref in ready:
            results[running.pop(ref)] = await ref
        await asyncio.sleep(0)  # "let the loop breathe" between polls
    return results
