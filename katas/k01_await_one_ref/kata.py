"""Kata 01 · Await one ref. The instructions are in README.md next to this file."""

import time

import ray

from dojo import todo


@ray.remote(num_cpus=0)
def fetch_greeting(name: str, delay: float) -> str:
    """A slow, IO-bound remote call: waits `delay` seconds, then greets. (Given: keep it.)"""
    time.sleep(delay)
    return f"Hello, {name}!"


async def greet(name: str, delay: float = 1.0) -> str:
    """Run fetch_greeting on Ray and return its greeting without blocking the event loop."""
    # TODO: start fetch_greeting remotely, then wait for its result the asyncio way.
    todo("start fetch_greeting.remote(...) and await the ref")
