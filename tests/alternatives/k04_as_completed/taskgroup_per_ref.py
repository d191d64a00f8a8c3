"""Alternative: one small coroutine per ref that awaits it and handles its result, all run
inside an `asyncio.TaskGroup` (which returns once every one is done). Each result is handled
the moment its own ref resolves, so it must pass."""

import asyncio

from solutions.k04_as_completed.kata import *  # the solution, but for handle_as_completed


async def _handle_when_ready(ref, handle) -> None:
    handle(await ref)


async def handle_as_completed(service, items, handle) -> None:
    async with asyncio.TaskGroup() as group:
        for item in items:
            group.create_task(_handle_when_ready(lookup.remote(service, item), handle))
