"""The board's state with change notification: what the board actor runs (dojo/board/actor.py
wraps this class), and what tests and the web server's own tests use without Ray.

Every method is a coroutine, so in an async actor `changes` can wait for the next version
while reports keep coming in on the same event loop.
"""

from __future__ import annotations

import asyncio

from dojo.board.state import BoardState


class LiveBoard:
    def __init__(self, katas: list[dict]):
        self.state = BoardState(katas)
        self._changed = asyncio.Event()

    def _notify(self) -> None:
        # A fresh Event per change: each waiter holds the one it started waiting on.
        self._changed.set()
        self._changed = asyncio.Event()

    async def report(self, payloads) -> dict:
        result = self.state.report(payloads)
        self._notify()  # refusals change the counts viewers see, too
        return result

    async def randori(self, payload) -> dict:
        result = self.state.randori(payload)
        self._notify()
        return result

    async def forget(self, name: str) -> bool:
        found = self.state.forget(name)
        self._notify()
        return found

    async def snapshot(self) -> dict:
        return self.state.snapshot()

    async def changes(self, since: int, wait_at_most: float) -> dict:
        """The snapshot once the version passes `since` (at once if it already has, or if
        `since` is from an earlier board), else after `wait_at_most` s as it is."""
        changed = self._changed
        if self.state.version == since:
            try:
                await asyncio.wait_for(changed.wait(), wait_at_most)
            except TimeoutError:
                pass
        return self.state.snapshot()
