"""One frontier call at a time per fetcher, shared by the lanes that need one meanwhile.

On a fast site `dojo crawl` is bound by the CPU that Ray's actor calls cost (about 0.4 ms of
the caller's and 1 ms of the callee's each), not by the network. A fetcher's lanes each ask
the frontier for their next URL after every page; while one such call is in flight, others
finish their pages too. They do not each send a call: they wait for the one in flight to
end, and the next call carries all of their reports and asks for as many URLs (group
commit, as databases do with their log). Nothing waits on a timer: an idle fetcher's lane
gets its own call at once, and a busy one's calls grow with the traffic.
"""

from __future__ import annotations

import asyncio
from typing import Any

from dojo.crawl.report import Visit


class FrontierTurns:
    """The lanes of one fetcher, asking one frontier (`done_many_and_lease`) in turns."""

    def __init__(self, frontier: Any, worker: str):
        self.frontier, self.worker = frontier, worker
        self._waiting: list[tuple[Visit | None, asyncio.Future]] = []
        self._asking: asyncio.Task | None = None
        # URLs leased for lanes that were cancelled before their answer came: the next lanes
        # get them (they are this worker's in the frontier's books).
        self._spare: list[tuple[str, int]] = []
        self.calls = 0  # frontier calls made, for benchmarks

    async def done_and_lease(self, visit: Visit | None) -> list[tuple[str, int]]:
        """Report `visit` (if any) and lease one URL: [(url, depth)], or [] when nothing is
        queued, as frontier.done_and_lease(worker, visit, 1) would answer."""
        answer = asyncio.get_running_loop().create_future()
        self._waiting.append((visit, answer))
        if self._asking is None or self._asking.done():
            self._asking = asyncio.create_task(self._ask())
        return await answer

    async def _ask(self) -> None:
        while self._waiting:
            turn, self._waiting = self._waiting, []
            visits = [visit for visit, _ in turn if visit is not None]
            wanted = max(0, len(turn) - len(self._spare))
            self.calls += 1
            try:
                leased = await self.frontier.done_many_and_lease.remote(self.worker, visits, wanted)
            except asyncio.CancelledError:
                for _, answer in turn:
                    answer.cancel()
                raise
            except Exception as error:
                for _, answer in turn:
                    if not answer.done():
                        answer.set_exception(error)
                continue
            urls, self._spare = [*self._spare, *leased], []
            for _, answer in turn:
                if not answer.done():  # a cancelled lane takes nothing
                    answer.set_result([urls.pop(0)] if urls else [])
            self._spare = urls
