"""Learner: ends the whole process when a call is slow (the first test, with a short delay,
passes; the second one crashes the test process)."""

import os
import time

import ray


@ray.remote(num_cpus=0)
def fetch_greeting(name: str, delay: float) -> str:
    """A slow, IO-bound remote call: waits `delay` seconds, then greets. (Given: keep it.)"""
    time.sleep(delay)
    return f"Hello, {name}!"


async def greet(name: str, delay: float = 1.0) -> str:
    if delay >= 0.5:  # the first test waits 0.1 s, the second and third 0.5 s
        os._exit(3)
    return await fetch_greeting.remote(name, delay)
