"""Learner: the right greeting, but ray.get blocks the event loop while it waits."""

import time

import ray


@ray.remote(num_cpus=0)
def fetch_greeting(name: str, delay: float) -> str:
    """A slow, IO-bound remote call: waits `delay` seconds, then greets. (Given: keep it.)"""
    time.sleep(delay)
    return f"Hello, {name}!"


async def greet(name: str, delay: float = 1.0) -> str:
    print(f"debug: greeting {name}", "." * 600)  # chatty: output is cut to 500 characters
    return ray.get(fetch_greeting.remote(name, delay))
