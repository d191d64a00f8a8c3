"""Mutant: `time.sleep(delay)` to "give the task time", then `await ref`. The result is right,
but the sleep blocks the event loop for the whole delay."""

import time

from solutions.k01_await_one_ref.kata import *  # the solution, but for greet

BREAKS = "loop-keeps-running"
SAYS = ("time.sleep",)


async def greet(name: str, delay: float = 1.0) -> str:
    ref = fetch_greeting.remote(name, delay)
    time.sleep(delay)
    return await ref
