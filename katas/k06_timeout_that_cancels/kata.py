"""Kata 06 · A timeout that really cancels. The instructions are in README.md next to this file."""

import ray

from dojo import todo


@ray.remote(num_cpus=0)
def slow_call(service, item: str) -> str:
    """One call to a slow service: blocks until the service answers. (Given: keep it.)

    `service.call` waits in short slices, so `ray.cancel` can interrupt it part-way.
    """
    return service.call(item)


async def call_with_deadline(service, item: str, seconds: float) -> str:
    """Run slow_call(service, item) on Ray and return its result. If it has not finished
    within `seconds`, stop the Ray task and raise TimeoutError. If the caller cancels this
    coroutine meanwhile, stop the Ray task too and let the CancelledError go on up."""
    # TODO: start slow_call.remote(service, item); wait for it at most `seconds`; on timeout,
    # cancel the Ray task with ray.cancel(ref), then raise TimeoutError. Do the same
    # ray.cancel(ref) when asyncio.CancelledError arrives, and re-raise it.
    todo("await the ref with a deadline; on timeout ray.cancel(ref) and raise TimeoutError")
