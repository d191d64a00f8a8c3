"""Politeness per origin, for many processes (kata 23): one request at a time, and `delay`
seconds from one answer to the next request (OriginGate, kata 26's); or up to N at a time,
their starts `delay` apart (OriginSlots, `dojo crawl --per-host N`). Either gate takes a
longer delay for an origin that asks for one (`set_delay`: `dojo crawl` honours robots.txt's
Crawl-delay)."""

from __future__ import annotations

import asyncio
import heapq
import math
import time
from collections import Counter


class GateClosed(Exception):
    """The holder was released (declared dead) while it waited for an origin."""


class _Delays:
    """The delay per origin: the gate's own, or longer where an origin asks for more (its
    robots.txt's Crawl-delay: `set_delay`)."""

    def __init__(self, delay: float):
        self.delay = delay
        self._asked: dict[str, float] = {}  # origin -> a longer delay it asked for

    def set_delay(self, origin: str, delay: float) -> None:
        """Space `origin`'s requests by `delay` from now on, if that is longer than the
        gate's own: an origin may ask a crawler to be slower, never faster."""
        if delay > self.delay:
            self._asked[origin] = delay
        else:
            self._asked.pop(origin, None)

    def delay_of(self, origin: str) -> float:
        return self._asked.get(origin, self.delay)


class OriginGate(_Delays):
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
        super().__init__(delay)
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
        return self._last_done.get(origin, -math.inf) + self.delay_of(origin)

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


class OriginSlots(_Delays):
    """OriginGate for a crawler that may have up to `per_origin` requests in flight to one
    origin (Scrapy allows 8 per domain): the same calls (enter, leave, release_holder), the
    same wall-clock times, and two rules per origin:

    * at most `per_origin` requests at a time (an origin has that many slots);
    * a request starts at least `delay` after the previous START to that origin, and at
      least `delay` after the ANSWER that freed its slot.

    With one slot the second rule is OriginGate's (an answer, then `delay`, then the next
    request), so OriginSlots(delay, 1) behaves as OriginGate(delay). With more, requests
    overlap only when an answer takes longer than `delay`: the starts are still `delay`
    apart, so the rate is at most one request per `delay` whatever the slots.

    Starts are spaced by the times this gate hands out (as kata 23's schedule books them),
    not by when the requests were really sent, which nobody reports: a holder that starts
    late (its process busy) narrows the gap to the next start by that much, milliseconds on
    a loaded machine against a delay of a tenth of a second or more. The answers it is told
    of (leave) are exact, as in OriginGate."""

    def __init__(self, delay: float, per_origin: int = 1):
        if per_origin < 1:
            raise ValueError(f"per_origin must be >= 1, not {per_origin}")
        super().__init__(delay)
        self.per_origin = per_origin
        self._slots: dict[str, asyncio.Semaphore] = {}  # made on first use, on the running loop
        # origin -> when each free slot's last answer came in (a heap; -inf: never used)
        self._freed_at: dict[str, list[float]] = {}
        self._last_start: dict[str, float] = {}  # origin -> the latest start handed out
        self._held: dict[str, Counter[str]] = {}  # origin -> holder -> slots it holds
        self._gone: set[str] = set()  # released holders: they never get a slot again

    async def enter(self, origin: str, holder: str) -> float:
        """Wait for a free slot of `origin`, take it for `holder`, and return the wall-clock
        time at which its request may start. Raises GateClosed if the holder was released.
        One holder may hold several slots of an origin (a fetcher's lanes share its name)."""
        slots = self._slots.setdefault(origin, asyncio.Semaphore(self.per_origin))
        await slots.acquire()
        if holder in self._gone:
            slots.release()
            raise GateClosed(f"{holder} was released")
        # No await from here on: the slot taken and the start booked are one step.
        freed = self._freed_at.setdefault(origin, [-math.inf] * self.per_origin)
        last = max(heapq.heappop(freed), self._last_start.get(origin, -math.inf))
        after = last + self.delay_of(origin)
        # Never earlier than now: the next start is spaced from this one's real time, not
        # from a moment long past (two requests to an idle origin must not both start "now").
        start_at = max(after, time.time())
        self._last_start[origin] = start_at
        self._held.setdefault(origin, Counter())[holder] += 1
        return start_at

    def free_now(self, origin: str, holder: str) -> bool:
        """Would enter(origin, holder) take a slot without waiting? (Then it does: with a
        free slot and nobody queued, a Semaphore is acquired without suspending; OriginGate
        has no such promise to make, as an asyncio.Lock's locked() does not see a waiter
        that was handed the lock but has not yet run.)"""
        slots = self._slots.get(origin)
        return holder not in self._gone and (slots is None or not slots.locked())

    async def leave(self, origin: str, holder: str, done_at: float) -> None:
        """`holder` is done with one slot of `origin`: its answer came in at `done_at`."""
        held = self._held.get(origin)
        if held is None or held[holder] < 1:
            return  # released already
        self._free(origin, holder, done_at)

    async def release_holder(self, holder: str) -> int:
        """`holder` died: free every slot it holds (as if each answer came in now), and
        refuse it any slot from now on. Returns how many slots it held."""
        self._gone.add(holder)
        now = time.time()
        freed = 0
        for origin, held in self._held.items():
            for _ in range(held[holder]):
                self._free(origin, holder, now)
                freed += 1
        return freed

    def _free(self, origin: str, holder: str, done_at: float) -> None:
        held = self._held[origin]
        held[holder] -= 1
        if held[holder] == 0:
            del held[holder]
        heapq.heappush(self._freed_at[origin], done_at)
        self._slots[origin].release()


def gate_for(delay: float, per_origin: int) -> OriginGate | OriginSlots:
    """The gate for `per_origin` requests in flight per origin: kata 26's OriginGate for one
    (the rule its tests hold the crawler to), OriginSlots for more."""
    return OriginGate(delay) if per_origin == 1 else OriginSlots(delay, per_origin)
