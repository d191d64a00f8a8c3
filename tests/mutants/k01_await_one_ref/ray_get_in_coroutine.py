"""Mutant: `ray.get` inside a coroutine. Right answer, but the event loop freezes while it
waits, so nothing else in the program can run."""

import ray

from solutions.k01_await_one_ref.kata import *  # the solution, but for greet

BREAKS = "loop-keeps-running"
SAYS = ("ray.get",)


async def greet(name: str, delay: float = 1.0) -> str:
    return ray.get(fetch_greeting.remote(name, delay))
