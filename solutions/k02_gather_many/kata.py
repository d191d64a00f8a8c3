"""Kata 02 · Gather many: reference solution."""

import asyncio

from katas.k02_gather_many.kata import lookup


async def lookup_all(service, items) -> list:
    """Run one `lookup` task per item, all at once; return the results in the order of items."""
    # Start every task before waiting for any: .remote() returns at once, so all of them are
    # in flight together. gather awaits the refs without blocking the loop and returns the
    # results in the order the refs were given, whatever order they finished in.
    refs = [lookup.remote(service, item) for item in items]
    return await asyncio.gather(*refs)
