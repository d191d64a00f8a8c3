"""Learner: awaits a future that nobody ever resolves."""

import asyncio
import time

import ray


@ray.remote(num_cpus=0)
def fetch_greeting(name: str, delay: float) -> str:
    """A slow, IO-bound remote call: waits `delay` seconds, then greets. (Given: keep it.)"""
    time.sleep(delay)
    return f"Hello, {name}!"


async def greet(name: str, delay: float = 1.0) -> str:
    fetch_greeting.remote(name, delay)
    return await asyncio.get_running_loop().create_future()
