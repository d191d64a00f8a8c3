"""Loop-responsiveness probe: a coroutine that must keep ticking while the code under test
waits. A blocking call (ray.get, time.sleep) inside a coroutine freezes the loop, and the
heartbeat sees a long gap between ticks."""

from __future__ import annotations

import asyncio
import time

from dojo.harness.teach import fail


class Heartbeat:
    def __init__(self, interval: float = 0.01):
        self.interval = interval
        self._ticks: list[float] = []
        self._task: asyncio.Task | None = None

    async def __aenter__(self) -> Heartbeat:
        self._ticks = [time.monotonic()]
        self._task = asyncio.create_task(self._beat())
        await asyncio.sleep(0)  # let the first beat get scheduled
        return self

    async def __aexit__(self, *exc) -> None:
        # A loop blocked right up to the end still counts: close the last gap now.
        self._ticks.append(time.monotonic())
        assert self._task is not None
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            self._ticks.append(time.monotonic())

    @property
    def ticks(self) -> int:
        return len(self._ticks) - 1

    @property
    def longest_freeze(self) -> float:
        gaps = [b - a for a, b in zip(self._ticks, self._ticks[1:], strict=False)]
        return max(gaps, default=0.0)

    def assert_never_froze(self, limit: float, during: str) -> None:
        if self.longest_freeze > limit:
            fail(
                f"the event loop froze for {self.longest_freeze:.2f} s while {during} "
                f"(a heartbeat coroutine could not run)",
                f"the loop stays free: no gap longer than {limit:.2f} s",
                "a blocking call inside a coroutine, such as ray.get(...) or time.sleep(...); "
                "use `await ref` / `await asyncio.gather(...)` / `await asyncio.sleep(...)`",
            )
