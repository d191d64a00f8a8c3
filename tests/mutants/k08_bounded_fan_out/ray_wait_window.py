"""Mutant: a sliding window built on `ray.wait(refs, num_returns=1)`. Limit, refill and order
are all right, but every ray.wait blocks the whole thread until a call finishes: the event
loop is frozen nearly all the time the batch runs."""

import ray

from solutions.k08_bounded_fan_out.kata import *  # the solution, but for process_bounded

BREAKS = "keeps-the-loop-free"
SAYS = ("froze", "ray.wait")


async def process_bounded(service, items, limit: int) -> list:
    results = [None] * len(items)
    index_of = {}
    for index, item in enumerate(items):
        while len(index_of) >= limit:
            ready, _ = ray.wait(list(index_of), num_returns=1)
            for ref in ready:
                results[index_of.pop(ref)] = await ref
        index_of[work.remote(service, item)] = index
    for ref, index in index_of.items():
        results[index] = await ref
    return results
