"""Alternative: convert the ref to an asyncio future first (what you need for
asyncio.wait and friends). Equally non-blocking, so it must pass."""

import asyncio
import time

import ray


@ray.remote(num_cpus=0)
def fetch_greeting(name: str, delay: float) -> str:
    time.sleep(delay)
    return f"Hello, {name}!"


async def greet(name: str, delay: float = 1.0) -> str:
    ref = fetch_greeting.remote(name, delay)
    return await asyncio.wrap_future(ref.future())
