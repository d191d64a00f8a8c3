"""Learner: spins in the coroutine instead of awaiting (the loop never gets a turn)."""

import time

import ray


@ray.remote(num_cpus=0)
def fetch_greeting(name: str, delay: float) -> str:
    """A slow, IO-bound remote call: waits `delay` seconds, then greets. (Given: keep it.)"""
    time.sleep(delay)
    return f"Hello, {name}!"


async def greet(name: str, delay: float = 1.0) -> str:
    ref = fetch_greeting.remote(name, delay)
    while True:
        pass
    return await ref
