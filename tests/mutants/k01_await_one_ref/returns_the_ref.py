"""Mutant: starts the task and returns its ObjectRef without awaiting it. The caller gets a
ticket, not the greeting."""

from solutions.k01_await_one_ref.kata import *  # the solution, but for greet

BREAKS = "returns-the-greeting"
SAYS = ("ObjectRef", "never awaited")


async def greet(name: str, delay: float = 1.0) -> str:
    return fetch_greeting.remote(name, delay)
