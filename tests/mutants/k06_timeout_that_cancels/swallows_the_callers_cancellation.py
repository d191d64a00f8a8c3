"""Mutant: forwards the caller's cancellation to Ray, then swallows it: the `except
asyncio.CancelledError` calls ray.cancel(ref) and returns None, so the caller that asked
for the cancellation is told the call succeeded."""

import asyncio

import ray

from solutions.k06_timeout_that_cancels.kata import *  # the solution, but for call_with_deadline

BREAKS = "forwards-the-callers-cancellation"
SAYS = ("swallowing the CancelledError", "raise")


async def call_with_deadline(service, item: str, seconds: float) -> str:
    ref = slow_call.remote(service, item)
    try:
        return await asyncio.wait_for(ref, seconds)
    except TimeoutError:
        ray.cancel(ref)
        raise
    except asyncio.CancelledError:
        ray.cancel(ref)
        return None
