"""Politeness per origin, for many processes (kata 23): one request at a time, and `delay`
seconds from one answer to the next request."""

from __future__ import annotations

import asyncio
import math
import time


class GateClosed(Exception):
    """The holder was released (declared dead) while it waited for an origin."""


class OriginGate:
    """Per origin: one request at a time, and at least `delay` seconds from the end of one
    request to the start of the next. Holders are named (a fetcher's name), so a dead
    holder's origins can be freed.

        start_at = await gate.enter(origin, me)       # waits while another holder has it
        await asyncio.sleep(max(0.0, start_at - time.time()))
        try:
            ... the request ...
        finally:
            await gate.leave(origin, me, time.time())  # the next start is >= now + delay

    Times are wall-clock (time.time()), the clock every process on a machine shares: a gate
    in one actor can space the requests of fetchers in other processes. The gap counts from
    the moment the previous holder had its answer (which it reports): the one moment it knows
    for sure that the server is done with it. Counting from when the previous request was
    *sent* would let scheduling noise (a Ray reply delivered late, a process waiting for a
    CPU between deciding to send and sending) squeeze two requests closer than `delay`.
    Use it in one process, or shared by many as a Ray actor (ray.remote(num_cpus=0)(
    OriginGate)), or inside an actor of your own."""

    def __init__(self, delay: float):
        self.delay = delay
        self._locks: dict[str, asyncio.Lock] = {}  # made on first use, on the running loop
        self._holder: dict[str, str] = {}  # origin -> who holds it now
        self._last_done: dict[str, float] = {}  # origin -> when its last request was done
        self._gone: set[str] = set()  # released holders: they never get an origin again

    async def enter(self, origin: str, holder: str) -> float:
        """Wait until `origin` is free, take it for `holder`, and return the wall-clock time
        at which its request may start. Raises GateClosed if the holder was released."""
        lock = self._locks.setdefault(origin, asyncio.Lock())
        await lock.acquire()
        if holder in self._gone:
            lock.release()
            raise GateClosed(f"{holder} was released")
        self._holder[origin] = holder
        return self._last_done.get(origin, -math.inf) + self.delay

    async def leave(self, origin: str, holder: str, done_at: float) -> None:
        """`holder` is done with `origin`: its answer came in at `done_at` (time.time())."""
        if self._holder.get(origin) != holder:
            return  # released already
        del self._holder[origin]
        self._last_done[origin] = done_at
        self._locks[origin].release()

    async def release_holder(self, holder: str) -> int:
        """`holder` died: free every origin it holds (its request may have been answered
        just now), and refuse it any origin from now on. Returns how many origins it held."""
        self._gone.add(holder)
        mine = [origin for origin, who in self._holder.items() if who == holder]
        for origin in mine:
            del self._holder[origin]
            self._last_done[origin] = time.time()
            self._locks[origin].release()
        return len(mine)
