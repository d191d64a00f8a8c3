"""Alternative: `asyncio.wait({future}, timeout=seconds)` does not raise on timeout; it
returns the future in `pending`. Then cancel the Ray task and raise TimeoutError ourselves."""

import asyncio

import ray

from solutions.k06_timeout_that_cancels.kata import *  # the solution, but for call_with_deadline


async def call_with_deadline(service, item: str, seconds: float) -> str:
    ref = slow_call.remote(service, item)
    future = asyncio.wrap_future(ref.future())  # asyncio.wait refuses raw refs
    try:
        done, _ = await asyncio.wait({future}, timeout=seconds)
    except asyncio.CancelledError:  # our caller cancelled us: forward it to Ray
        ray.cancel(ref)
        raise
    if not done:
        ray.cancel(ref)
        future.cancel()
        raise TimeoutError(f"slow_call({item!r}) took longer than {seconds} s")
    return future.result()
