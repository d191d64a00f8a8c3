"""Mutant: `ray.wait([ref])` to wait for the task, then `await ref` to read it. The await is
instant by then: ray.wait already blocked the event loop for the whole delay."""

import ray

from solutions.k01_await_one_ref.kata import *  # the solution, but for greet

BREAKS = "loop-keeps-running"
SAYS = ("ray.wait",)


async def greet(name: str, delay: float = 1.0) -> str:
    ref = fetch_greeting.remote(name, delay)
    ray.wait([ref])
    return await ref
