"""Mutant: never uses Ray at all. It sleeps `delay` seconds with asyncio (so the loop stays
free and the timing looks right) and builds the greeting itself instead of returning
fetch_greeting's result."""

import asyncio

from solutions.k01_await_one_ref.kata import *  # the solution, but for greet

BREAKS = "waits-for-the-task"
SAYS = ("built in greet itself", "swapped in its own fetch_greeting")


async def greet(name: str, delay: float = 1.0) -> str:
    await asyncio.sleep(delay)
    return f"Hello, {name}!"
