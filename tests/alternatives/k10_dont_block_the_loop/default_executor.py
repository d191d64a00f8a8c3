"""Alternative: `loop.run_in_executor(None, ...)`, the loop's default thread pool (what
asyncio.to_thread uses), with the arguments bound by functools.partial."""

import asyncio
import functools

import ray


def legacy_fetch(service, item):
    return service.call(item)


@ray.remote(num_cpus=0)
class Gateway:
    async def ping(self) -> str:
        return "pong"

    async def fetch(self, service, item):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, functools.partial(legacy_fetch, service, item))
