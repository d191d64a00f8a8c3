"""Mutant: `ray.wait([ref], timeout=seconds)` inside the coroutine. The deadline, the cancel
and the TimeoutError are all right, but ray.wait blocks the whole thread for up to the
timeout: the event loop freezes, and every other coroutine of the program stands still."""

import ray

from solutions.k06_timeout_that_cancels.kata import *  # the solution, but for call_with_deadline

BREAKS = "keeps-the-loop-free"
SAYS = ("froze", "ray.wait")


async def call_with_deadline(service, item: str, seconds: float) -> str:
    ref = slow_call.remote(service, item)
    ready, _ = ray.wait([ref], timeout=seconds)
    if not ready:
        ray.cancel(ref)
        raise TimeoutError(f"slow_call({item!r}) took longer than {seconds} s")
    return await ref
