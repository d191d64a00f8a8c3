"""Alternative: wrap each ref in an asyncio future (asyncio.wait refuses raw ObjectRefs) and
loop on `asyncio.wait(..., return_when=FIRST_COMPLETED)`, handling whatever is done each
round. Results are handled as they finish, so it must pass."""

import asyncio

from solutions.k04_as_completed.kata import *  # the solution, but for handle_as_completed


async def handle_as_completed(service, items, handle) -> None:
    pending = {asyncio.ensure_future(lookup.remote(service, item)) for item in items}
    while pending:
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        for future in done:
            handle(future.result())
