"""Wait for a condition instead of sleeping a fixed time (as Ray's own tests do)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def wait_until(
    check: Callable[[], Awaitable[T]], within: float = 5.0, interval: float = 0.02
) -> T:
    """Poll `check` until it returns something truthy or `within` seconds pass; return the last
    value either way, so the caller can fail with a message that shows it."""
    deadline = time.monotonic() + within
    while True:
        value = await check()
        if value or time.monotonic() >= deadline:
            return value
        await asyncio.sleep(interval)


async def actors_still_starting(since: float, at_most: float) -> bool:
    """Is an actor of this job still being created, `at_most` seconds after `since` at the
    latest? Nothing it is part of can move before it is up, so a wait judging "nothing moved
    for so long" goes on meanwhile (a new actor process took longer than a whole 27 s limit
    on a loaded machine); `at_most` keeps an actor that never starts from holding it forever."""
    from dojo.harness.actors import actors_starting

    return time.monotonic() - since <= at_most and await asyncio.to_thread(actors_starting)


async def wait_until_unless_slowed(
    check: Callable[[], Awaitable[T]],
    within: float,
    pulse,
    starts_within: float,
    interval: float = 0.02,
) -> T:
    """wait_until(check, within), counting only the time the machine let the code move: the
    seconds Ray was slow to answer (`pulse`, a dojo.harness.pulse.Pulse running meanwhile)
    do not count, and the wait goes on while an actor of this job is still being created
    (actors_still_starting, `starts_within` at most). Returns check's last value."""
    started = time.monotonic()
    limit = within
    while not (value := await check()):
        now = time.monotonic()
        if now - started - pulse.overdue_between(started, now) > limit:
            if not await actors_still_starting(started, starts_within):
                return value
            limit += 0.5  # look again in half a second
        await asyncio.sleep(interval)
    return value
