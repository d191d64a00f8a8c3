"""Mutant: fixed batches of `limit`. Never more than `limit` in flight, but each batch waits
for its slowest call: one slow item leaves the other slots idle until it finishes."""

import asyncio

from solutions.k08_bounded_fan_out.kata import *  # the solution, but for process_bounded

BREAKS = "starts-the-next-at-once"
SAYS = ("fixed batches",)


async def process_bounded(service, items, limit: int) -> list:
    results = []
    for start in range(0, len(items), limit):
        batch = items[start : start + limit]
        results += await asyncio.gather(*[work.remote(service, item) for item in batch])
    return results
