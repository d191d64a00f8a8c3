"""Alternative: one small coroutine per ref that awaits it and handles its result, all run
inside an `asyncio.TaskGroup` (which returns once every one is done). Each result is handled
the moment its own ref resolves, so it must pass."""

import asyncio

import ray


@ray.remote(num_cpus=0)
def lookup(service, item):
    return service.call(item)


async def _handle_when_ready(ref, handle) -> None:
    handle(await ref)


async def handle_as_completed(service, items, handle) -> None:
    async with asyncio.TaskGroup() as group:
        for item in items:
            group.create_task(_handle_when_ready(lookup.remote(service, item), handle))
