"""Crash: `asyncio.gather(refs)` passes the list as ONE argument (the `*` is missing)."""

import asyncio

from solutions.k02_gather_many.kata import *  # the solution, but for lookup_all


async def lookup_all(service, items) -> list:
    refs = [lookup.remote(service, item) for item in items]
    return await asyncio.gather(refs)
