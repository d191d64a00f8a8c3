"""Alternative: convert the ref to an asyncio future first (what you need for
asyncio.wait and friends). Equally non-blocking, so it must pass."""

import asyncio

from solutions.k01_await_one_ref.kata import *  # the solution, but for greet


async def greet(name: str, delay: float = 1.0) -> str:
    ref = fetch_greeting.remote(name, delay)
    return await asyncio.wrap_future(ref.future())
