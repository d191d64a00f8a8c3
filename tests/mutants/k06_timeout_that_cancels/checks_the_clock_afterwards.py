"""Mutant: a deadline checked after the fact. It waits for the whole call, then raises
TimeoutError if that took too long: the right exception, but only once the slow work is
over, so the caller waited just as long as without a deadline."""

import time

import ray

REJECTED_BY = "test_a_slow_call_times_out_promptly"


@ray.remote(num_cpus=0)
def slow_call(service, item: str) -> str:
    return service.call(item)


async def call_with_deadline(service, item: str, seconds: float) -> str:
    started = time.monotonic()
    result = await slow_call.remote(service, item)
    if time.monotonic() - started > seconds:
        raise TimeoutError(f"slow_call took more than {seconds} s")
    return result
