"""Kata 06 · A timeout that really cancels: reference solution."""

import asyncio

import ray

from katas.k06_timeout_that_cancels.kata import slow_call  # given: the remote task


async def call_with_deadline(service, item: str, seconds: float) -> str:
    """Run slow_call(service, item) on Ray and return its result. If it has not finished
    within `seconds`, stop the Ray task and raise TimeoutError. If the caller cancels this
    coroutine meanwhile, stop the Ray task too and let the CancelledError go on up."""
    ref = slow_call.remote(service, item)
    try:
        return await asyncio.wait_for(ref, seconds)
    except (TimeoutError, asyncio.CancelledError):
        # wait_for (like any asyncio cancellation, including our caller cancelling us) only
        # stops the waiting in THIS process: the Ray task would run on to the end. Forward
        # the cancellation to Ray, then let the TimeoutError (or CancelledError) go on up.
        ray.cancel(ref)
        raise
