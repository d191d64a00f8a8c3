"""Kata 23 · Politeness: reference solution."""

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable

from dojo.crawl.result import FetchResult

# (Given) from the stub: what `fetch` is, and what politeness is per (origin_of).
from katas.k23_politeness.kata import Fetch, origin_of

# -- the schedule: pure, clock-injected -----------------------------------------------------


class HostScheduler:
    """When may the next request to an origin start? Books start times so that two starts
    on one origin are at least `delay` seconds apart; other origins are not affected.

    Pure: no sleeping, no IO. The time comes from `clock` (seconds, any origin), so a test
    can drive it with a fake clock, or with freezegun."""

    def __init__(self, delay: float, clock: Callable[[], float] = time.monotonic):
        self.delay = delay
        self.clock = clock
        # origin -> the earliest moment (on self.clock) the next request may start.
        self._next_start: dict[str, float] = {}

    def reserve(self, origin: str) -> float:
        """Book the next start slot for `origin` and return how many seconds from now it
        is (0 when a request may start at once). Every call books a slot of its own."""
        # Only the injected clock: the schedule is a pure function of the times it is shown.
        now = self.clock()
        start = max(now, self._next_start.get(origin, now))
        # Book from the slot, not from now: a second caller at the same instant must get the
        # slot after this one, never the same one.
        self._next_start[origin] = start + self.delay
        return start - now


# -- the enforcement: asyncio ---------------------------------------------------------------


async def polite_fetch_all(urls: list[str], fetch: Fetch, delay: float) -> list[FetchResult]:
    """Fetch every URL with `await fetch(url)` and return the results in the order of `urls`.
    Per origin: one request at a time, and starts at least `delay` seconds apart. Different
    origins go on side by side."""
    # The scheduler reads time.monotonic, the same clock asyncio.sleep counts on.
    scheduler = HostScheduler(delay)
    # One lock per origin, made inside the running loop: it is what keeps a slow host at one
    # request in flight (the schedule alone spaces starts, and a start may come before the
    # previous answer). Waiting for a lock costs nothing, and other origins never wait on it.
    locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
    # Every URL starts at once and waits its own turn; gather keeps the order of `urls`.
    turns = (_fetch_in_turn(url, fetch, scheduler, locks) for url in urls)
    return list(await asyncio.gather(*turns))


async def _fetch_in_turn(
    url: str, fetch: Fetch, scheduler: HostScheduler, locks: defaultdict[str, asyncio.Lock]
) -> FetchResult:
    """One URL, fetched when its origin's turn comes: the origin's lock first, then its slot."""
    origin = origin_of(url)
    async with locks[origin]:
        # Reserved once the previous request on this origin is done: if it took longer
        # than `delay`, the gap has passed already and this one starts at once.
        await asyncio.sleep(scheduler.reserve(origin))
        return await fetch(url)
