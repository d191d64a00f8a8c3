"""Mutant: forwards the deadline's cancellation to Ray, but not its caller's. Only
TimeoutError is caught: when the caller cancels `call_with_deadline` (its own timeout, a
shutdown), the asyncio.CancelledError goes straight up, and the Ray task runs to the end."""

import asyncio

import ray

from solutions.k06_timeout_that_cancels.kata import *  # the solution, but for call_with_deadline

BREAKS = "forwards-the-callers-cancellation"
SAYS = ("CancelledError", "never reached Ray", "ray.cancel(ref)")


async def call_with_deadline(service, item: str, seconds: float) -> str:
    ref = slow_call.remote(service, item)
    try:
        return await asyncio.wait_for(ref, seconds)
    except TimeoutError:  # the caller's asyncio.CancelledError is not caught
        ray.cancel(ref)
        raise
