"""Mutant: starts the task but builds the greeting itself instead of awaiting the task's
result. Right text, but it never waits for the remote work."""

from solutions.k01_await_one_ref.kata import *  # the solution, but for greet

BREAKS = "waits-for-the-task"
SAYS = ("built in greet itself",)


async def greet(name: str, delay: float = 1.0) -> str:
    fetch_greeting.remote(name, delay)
    return f"Hello, {name}!"
