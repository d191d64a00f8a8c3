"""Mutant: plain `asyncio.wait_for(ref, seconds)`. The caller gets its TimeoutError on
time, but asyncio's cancellation stops only the waiting in the driver: the Ray task never
hears about it and runs to the end, spending the service's capacity on an answer nobody
will read."""

import asyncio

from solutions.k06_timeout_that_cancels.kata import *  # the solution, but for call_with_deadline

BREAKS = "cancels-the-ray-task"
SAYS = ("ray.cancel",)


async def call_with_deadline(service, item: str, seconds: float) -> str:
    return await asyncio.wait_for(slow_call.remote(service, item), seconds)
