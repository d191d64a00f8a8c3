"""Alternative: wrap each ref in an asyncio future and give it a done-callback that hands its
result to handle(), then await them all together. A callback runs as soon as its own future
is done, so every result is handled as it completes; it must pass."""

import asyncio

from solutions.k04_as_completed.kata import *  # the solution, but for handle_as_completed


async def handle_as_completed(service, items, handle) -> None:
    futures = [asyncio.ensure_future(lookup.remote(service, item)) for item in items]
    for future in futures:
        future.add_done_callback(lambda done: handle(done.result()))
    await asyncio.gather(*futures)
