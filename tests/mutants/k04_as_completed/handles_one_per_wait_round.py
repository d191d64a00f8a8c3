"""Mutant: an asyncio.wait(FIRST_COMPLETED) loop that hands handle() one future of each round's
`done` and drops the others: whenever two calls finish before the loop looks again, a result
is lost."""

import asyncio

from solutions.k04_as_completed.kata import *  # the solution, but for handle_as_completed

BREAKS = "handles-every-result-once"
SAYS = ("one result of each round",)


async def handle_as_completed(service, items, handle) -> None:
    waiting = {asyncio.ensure_future(lookup.remote(service, item)) for item in items}
    while waiting:
        done, waiting = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        handle(next(iter(done)).result())
