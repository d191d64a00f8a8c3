"""Mutant: a deadline checked after the fact. It waits for the whole call, then raises
TimeoutError if that took too long: the right exception, but only once the slow work is
over, so the caller waited just as long as without a deadline."""

import asyncio
import time

import ray

from solutions.k06_timeout_that_cancels.kata import *  # the solution, but for call_with_deadline

BREAKS = "times-out-at-the-deadline"
SAYS = ("only then comparing how long it took",)


async def call_with_deadline(service, item: str, seconds: float) -> str:
    started = time.monotonic()
    ref = slow_call.remote(service, item)
    try:
        result = await ref
    except asyncio.CancelledError:
        ray.cancel(ref)
        raise
    if time.monotonic() - started > seconds:
        raise TimeoutError(f"slow_call took more than {seconds} s")
    return result
