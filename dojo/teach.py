"""Failure messages that teach: what happened, what was expected, the likely mistake."""

from __future__ import annotations

import contextlib

import pytest


def lesson(happened: str, expected: str, likely: str, picture: str | None = None) -> str:
    parts = [happened, f"expected: {expected}", f"likely mistake: {likely}"]
    if picture:
        parts += ["", picture]
    return "\n".join(parts)


def fail(happened: str, expected: str, likely: str, picture: str | None = None):
    """Fail the current test with a teaching message and no harness traceback."""
    pytest.fail(lesson(happened, expected, likely, picture), pytrace=False)


async def finishes_within(awaitable, seconds: float, call: str):
    """Await the learner's coroutine, but turn a hang into a lesson instead of a timeout.

    Given an ObjectRef, a hang also cancels its Ray task: cancelling the asyncio wait alone
    would leave the task running into the next test."""
    import asyncio

    import ray

    try:
        async with asyncio.timeout(seconds):
            return await awaitable
    except TimeoutError:
        if isinstance(awaitable, ray.ObjectRef):
            with contextlib.suppress(Exception):
                ray.cancel(awaitable)
        fail(
            f"{call} was still running after {seconds:.0f} s",
            f"{call} finishes in a few seconds at most",
            "awaiting something that never completes (a future nobody resolves, a call on a "
            "deadlocked actor), a loop that never awaits (CPU-bound code such as `while True:` "
            "without an `await` holds the actor's or the event loop's only thread for good), "
            "or waiting for work that was never started",
        )
