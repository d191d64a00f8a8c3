"""Alternative: `async with asyncio.timeout(seconds)` around the await (Python 3.11+), and
the same forwarding of the cancellation (the deadline's or the caller's) to Ray."""

import asyncio

import ray

from solutions.k06_timeout_that_cancels.kata import *  # the solution, but for call_with_deadline


async def call_with_deadline(service, item: str, seconds: float) -> str:
    ref = slow_call.remote(service, item)
    try:
        async with asyncio.timeout(seconds):
            return await ref
    except (TimeoutError, asyncio.CancelledError):
        ray.cancel(ref)
        raise
