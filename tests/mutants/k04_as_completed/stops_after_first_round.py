"""Mutant: one round of `asyncio.wait(..., return_when=FIRST_COMPLETED)`: it handles what
finished first and returns, leaving the other results unhandled."""

import asyncio

from solutions.k04_as_completed.kata import *  # the solution, but for handle_as_completed

BREAKS = "handles-every-result-once"
SAYS = ("returned after handling",)


async def handle_as_completed(service, items, handle) -> None:
    pending = {asyncio.ensure_future(lookup.remote(service, item)) for item in items}
    done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
    for future in done:
        handle(future.result())
