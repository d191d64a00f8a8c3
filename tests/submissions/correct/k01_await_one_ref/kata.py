"""Kata 01 · Await one ref: reference solution."""

import time

import ray


@ray.remote(num_cpus=0)
def fetch_greeting(name: str, delay: float) -> str:
    """A slow, IO-bound remote call: waits `delay` seconds, then greets. (Given: keep it.)"""
    time.sleep(delay)
    return f"Hello, {name}!"


async def greet(name: str, delay: float = 1.0) -> str:
    """Run fetch_greeting on Ray and return its greeting without blocking the event loop."""
    # An ObjectRef is awaitable: awaiting it suspends only this coroutine, so the event loop
    # keeps running other work while the task runs. ray.get would block the loop's thread.
    return await fetch_greeting.remote(name, delay)
