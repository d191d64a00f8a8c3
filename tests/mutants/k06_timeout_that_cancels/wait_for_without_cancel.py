"""Mutant: plain `asyncio.wait_for(ref, seconds)`. The caller gets its TimeoutError on
time, but asyncio's cancellation stops only the waiting in the driver: the Ray task never
hears about it and runs to the end, spending the service's capacity on an answer nobody
will read."""

import asyncio

import ray

REJECTED_BY = "test_the_remote_work_really_stops"


@ray.remote(num_cpus=0)
def slow_call(service, item: str) -> str:
    return service.call(item)


async def call_with_deadline(service, item: str, seconds: float) -> str:
    return await asyncio.wait_for(slow_call.remote(service, item), seconds)
