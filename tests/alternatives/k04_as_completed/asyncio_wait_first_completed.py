"""Alternative: wrap each ref in an asyncio future (asyncio.wait refuses raw ObjectRefs) and
loop on `asyncio.wait(..., return_when=FIRST_COMPLETED)`, handling whatever is done each
round. Results are handled as they finish, so it must pass."""

import asyncio

import ray


@ray.remote(num_cpus=0)
def lookup(service, item):
    return service.call(item)


async def handle_as_completed(service, items, handle) -> None:
    pending = {asyncio.ensure_future(lookup.remote(service, item)) for item in items}
    while pending:
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        for future in done:
            handle(future.result())
