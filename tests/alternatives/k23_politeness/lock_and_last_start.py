"""Alternative: no scheduler object in the crawl. Each origin gets a record holding its
asyncio.Lock and the time of its last start; inside the lock the request waits until
last start + delay, stamps its own start, then fetches. HostScheduler stands on its own,
written as a map of last starts."""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from solutions.k23_politeness.kata import *  # Fetch, origin_of, FetchResult


class HostScheduler:
    def __init__(self, delay: float, clock: Callable[[], float] = time.monotonic):
        self.delay = delay
        self.clock = clock
        self._last_start: dict[str, float] = {}

    def reserve(self, origin: str) -> float:
        now = self.clock()
        start = max(now, self._last_start.get(origin, now - self.delay) + self.delay)
        self._last_start[origin] = start
        return start - now


@dataclass
class _Host:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_start: float | None = None


async def polite_fetch_all(urls: list[str], fetch: Fetch, delay: float) -> list[FetchResult]:
    hosts: dict[str, _Host] = {}
    loop = asyncio.get_running_loop()

    async def politely(url: str) -> FetchResult:
        host = hosts.setdefault(origin_of(url), _Host())
        async with host.lock:
            if host.last_start is not None:
                await asyncio.sleep(max(0.0, host.last_start + delay - loop.time()))
            host.last_start = loop.time()
            return await fetch(url)

    return await asyncio.gather(*(politely(url) for url in urls))
