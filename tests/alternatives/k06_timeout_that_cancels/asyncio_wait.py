"""Alternative: `asyncio.wait({future}, timeout=seconds)` does not raise on timeout; it
returns the future in `pending`. Then cancel the Ray task and raise TimeoutError ourselves."""

import asyncio

import ray


@ray.remote(num_cpus=0)
def slow_call(service, item: str) -> str:
    return service.call(item)


async def call_with_deadline(service, item: str, seconds: float) -> str:
    ref = slow_call.remote(service, item)
    future = asyncio.wrap_future(ref.future())  # asyncio.wait refuses raw refs
    done, _ = await asyncio.wait({future}, timeout=seconds)
    if not done:
        ray.cancel(ref)
        future.cancel()
        raise TimeoutError(f"slow_call({item!r}) took longer than {seconds} s")
    return future.result()
