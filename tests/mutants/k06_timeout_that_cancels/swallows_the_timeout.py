"""Mutant: cancels the Ray task on timeout, then swallows the TimeoutError. The `except`
block stops the remote work, but falls off its end: the caller gets None back, as if the
call had succeeded, and never learns that the deadline was missed."""

import asyncio

import ray

from solutions.k06_timeout_that_cancels.kata import *  # the solution, but for call_with_deadline

BREAKS = "raises-timeout-error"
SAYS = ("swallowing the TimeoutError",)


async def call_with_deadline(service, item: str, seconds: float) -> str:
    ref = slow_call.remote(service, item)
    try:
        return await asyncio.wait_for(ref, seconds)
    except asyncio.CancelledError:
        ray.cancel(ref)
        raise
    except TimeoutError:
        ray.cancel(ref)
