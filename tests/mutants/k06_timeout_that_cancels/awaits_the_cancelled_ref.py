"""Mutant: cancels the Ray task on timeout, then awaits its ref "to let the cancel land". A
cancelled ref raises TaskCancelledError, so that is what the caller gets instead of the
TimeoutError it expects for a missed deadline."""

import asyncio

import ray

from solutions.k06_timeout_that_cancels.kata import *  # the solution, but for call_with_deadline

BREAKS = "raises-timeout-error"
SAYS = ("TaskCancelledError", "after ray.cancel(ref)")


async def call_with_deadline(service, item: str, seconds: float) -> str:
    ref = slow_call.remote(service, item)
    try:
        async with asyncio.timeout(seconds):
            return await ref
    except TimeoutError:
        ray.cancel(ref)
    except asyncio.CancelledError:
        ray.cancel(ref)
        raise
    return await ref  # "wait until the cancel has landed"
