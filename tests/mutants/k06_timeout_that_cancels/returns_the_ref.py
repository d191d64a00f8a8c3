"""Mutant: waits with a deadline and cancels on timeout, but on success returns the ref
itself instead of its result: the caller gets an ObjectRef, not the answer."""

import asyncio

import ray

from solutions.k06_timeout_that_cancels.kata import *  # the solution, but for call_with_deadline

BREAKS = "returns-the-result"
SAYS = ("instead of its result",)


async def call_with_deadline(service, item: str, seconds: float) -> str:
    ref = slow_call.remote(service, item)
    try:
        done, _ = await asyncio.wait({asyncio.ensure_future(ref)}, timeout=seconds)
    except asyncio.CancelledError:
        ray.cancel(ref)
        raise
    if not done:
        ray.cancel(ref)
        raise TimeoutError(f"slow_call({item!r}) took longer than {seconds} s")
    return ref
