"""Mutant: a safety margin taken off the deadline. It stops waiting at half the time the
caller allowed, so a call that would have made it in time is cancelled and reported as a
timeout."""

import asyncio

import ray

from solutions.k06_timeout_that_cancels.kata import *  # the solution, but for call_with_deadline

BREAKS = "times-out-at-the-deadline"
SAYS = ("before the", "pass `seconds` on as it is")


async def call_with_deadline(service, item: str, seconds: float) -> str:
    ref = slow_call.remote(service, item)
    try:
        return await asyncio.wait_for(ref, seconds / 2)  # "leave time for the cancel"
    except (TimeoutError, asyncio.CancelledError):
        ray.cancel(ref)
        raise
