"""Mutant: `ray.wait([ref], timeout=...)` with a timeout longer than the task, believing a
timeout makes it safe. It still blocks the event loop until the task is done."""

import ray

from solutions.k01_await_one_ref.kata import *  # the solution, but for greet

BREAKS = "loop-keeps-running"
SAYS = ("ray.wait",)


async def greet(name: str, delay: float = 1.0) -> str:
    ref = fetch_greeting.remote(name, delay)
    ready, _ = ray.wait([ref], timeout=delay + 5)
    return await ready[0]
