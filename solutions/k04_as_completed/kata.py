"""Kata 04 · As they complete: reference solution."""

import asyncio

from katas.k04_as_completed.kata import lookup


async def handle_as_completed(service, items, handle) -> None:
    """Run one `lookup` per item, all at once, and call handle(result) for each result as
    soon as it is ready (in the order they finish). Return once every result is handled."""
    # Start everything first, then let as_completed hand us whichever result finishes next:
    # a fast result is handled at once instead of waiting for the slowest one (as it would
    # after gather). Awaiting never blocks the loop; ray.wait would.
    refs = [lookup.remote(service, item) for item in items]
    for next_done in asyncio.as_completed(refs):
        handle(await next_done)
