"""Mutant: hands handle() what `asyncio.as_completed` yields without awaiting it: handle gets
coroutine objects, not results."""

import asyncio

from solutions.k04_as_completed.kata import *  # the solution, but for handle_as_completed

BREAKS = "handles-every-result-once"
SAYS = ("without awaiting",)


async def handle_as_completed(service, items, handle) -> None:
    refs = [lookup.remote(service, item) for item in items]
    for next_done in asyncio.as_completed(refs):
        handle(next_done)
