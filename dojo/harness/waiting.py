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
