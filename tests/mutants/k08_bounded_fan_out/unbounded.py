"""Mutant: no limit at all. All 100 tasks are submitted at once and gathered; the `limit`
argument is ignored."""

import asyncio

from solutions.k08_bounded_fan_out.kata import *  # the solution, but for process_bounded

BREAKS = "never-more-than-limit"
SAYS = ("start everything at once",)


async def process_bounded(service, items, limit: int) -> list:
    return await asyncio.gather(*[work.remote(service, item) for item in items])
