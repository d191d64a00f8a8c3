"""Mutant: `ray.get(ref, timeout=seconds)` inside the coroutine, turning Ray's
GetTimeoutError into a cancel and a TimeoutError. Right outcome, but the event loop is frozen
for the whole wait."""

import ray

from solutions.k06_timeout_that_cancels.kata import *  # the solution, but for call_with_deadline

BREAKS = "keeps-the-loop-free"
SAYS = ("froze", "ray.get")


async def call_with_deadline(service, item: str, seconds: float) -> str:
    ref = slow_call.remote(service, item)
    try:
        return ray.get(ref, timeout=seconds)
    except ray.exceptions.GetTimeoutError:
        ray.cancel(ref)
        raise TimeoutError(f"slow_call({item!r}) took longer than {seconds} s") from None
