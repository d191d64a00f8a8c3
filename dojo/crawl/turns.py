"""One frontier call (and one gatekeeper call) at a time per fetcher, shared by the lanes that
need one meanwhile.

On a fast site `dojo crawl` is bound by the CPU that Ray's actor calls cost (about 0.4 ms of
the caller's and 1 ms of the callee's each), not by the network. A fetcher's lanes each ask
the frontier for their next URL after every page; while one such call is in flight, others
finish their pages too. They do not each send a call: they wait for the one in flight to
end, and the next call carries all of their reports and asks for as many URLs (group
commit, as databases do with their log). Nothing waits on a timer: an idle fetcher's lane
gets its own call at once, and a busy one's calls grow with the traffic.

The gatekeeper's permits go the same way (PermitTurns), with one difference: a permit may have
to wait for its origin (every slot taken) or for its robots.txt, and one waiting permit must
not hold the others' answers. A shared call only gives the permits that need no waiting; a
lane whose permit would wait is told so (WAIT) and asks on its own.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from dojo.crawl.report import Visit

WAIT = "wait"  # a shared permit call's answer for a permit that would have to wait


class _Turns:
    """One call in flight; what the lanes ask meanwhile goes together in the next."""

    def __init__(self) -> None:
        self._waiting: list[tuple[Any, asyncio.Future]] = []
        self._asking: asyncio.Task | None = None
        self.calls = 0  # calls made, for benchmarks

    async def _in_turn(self, item: Any) -> Any:
        answer = asyncio.get_running_loop().create_future()
        self._waiting.append((item, answer))
        if self._asking is None or self._asking.done():
            self._asking = asyncio.create_task(self._ask())
        return await answer

    async def _ask(self) -> None:
        while self._waiting:
            turn, self._waiting = self._waiting, []
            self.calls += 1
            try:
                answers = await self._call([item for item, _ in turn])
            except asyncio.CancelledError:
                for _, answer in turn:
                    answer.cancel()
                raise
            except Exception as error:
                for _, answer in turn:
                    if not answer.done():
                        answer.set_exception(error)
                continue
            self._hand_out(turn, answers)

    async def _call(self, items: list[Any]) -> Any:
        raise NotImplementedError

    def _hand_out(self, turn: list[tuple[Any, asyncio.Future]], answers: Any) -> None:
        raise NotImplementedError


class FrontierTurns(_Turns):
    """The lanes of one fetcher, asking one frontier (`done_many_and_lease`) in turns."""

    def __init__(self, frontier: Any, worker: str):
        super().__init__()
        self.frontier, self.worker = frontier, worker
        # URLs leased for lanes that were cancelled before their answer came: the next lanes
        # get them (they are this worker's in the frontier's books).
        self._spare: list[tuple[str, int]] = []

    async def done_and_lease(self, visit: Visit | None) -> list[tuple[str, int]]:
        """Report `visit` (if any) and lease one URL: [(url, depth)], or [] when nothing is
        queued, as frontier.done_and_lease(worker, visit, 1) would answer."""
        return await self._in_turn(visit)

    async def _call(self, items: list[Visit | None]) -> list[tuple[str, int]]:
        visits = [visit for visit in items if visit is not None]
        wanted = max(0, len(items) - len(self._spare))
        return await self.frontier.done_many_and_lease.remote(self.worker, visits, wanted)

    def _hand_out(self, turn: list[tuple[Any, asyncio.Future]], leased: Any) -> None:
        urls, self._spare = [*self._spare, *leased], []
        for _, answer in turn:
            if not answer.done():  # a cancelled lane takes nothing
                answer.set_result([urls.pop(0)] if urls else [])
        self._spare = urls


class PermitTurns(_Turns):
    """The lanes of one fetcher, asking one gatekeeper (`leave_many_and_permit_now`) in turns:
    each lane gives back its last origin's slot (if any) and asks a permit for its next URL,
    and gets what gatekeeper.leave_and_permit would answer (a start time, or None: robots.txt
    forbids), or WAIT, and then asks on its own."""

    def __init__(self, gatekeeper: Any, worker: str):
        super().__init__()
        self.gatekeeper, self.worker = gatekeeper, worker

    async def leave_and_permit(self, left: tuple[str, float] | None, url: str) -> Any:
        return await self._in_turn((left, url))

    async def _call(self, items: list[tuple[Any, str]]) -> list[Any]:
        lefts = [left for left, _ in items if left is not None]
        urls = [url for _, url in items]
        return await self.gatekeeper.leave_many_and_permit_now.remote(self.worker, lefts, urls)

    def _hand_out(self, turn: list[tuple[Any, asyncio.Future]], permits: Any) -> None:
        for ((_, url), answer), permit in zip(turn, permits, strict=True):
            if not answer.done():
                answer.set_result(permit)
            elif isinstance(permit, float):
                # The lane was cancelled, and its origin's slot was taken for it: give it back
                # (fire and forget: nobody waits for it), or that slot is lost for the crawl.
                self.gatekeeper.leave.remote(self.worker, url, time.time())
