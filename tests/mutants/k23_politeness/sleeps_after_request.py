"""Mutant: the naive pause, `fetch` then `sleep(delay)` while still holding the host's lock.
The gap is counted from the END of each request: a host that takes longer than the delay
to answer waits the delay again, and its crawl takes (latency + delay) per page."""

import asyncio
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from dojo.crawl.result import FetchResult

REJECTED_BY = "test_a_slow_answer_counts_as_one_gap"

# What the tests hand you as `fetch`: an async function from a URL to its FetchResult (in the
# fetcher actor it is kata 19's fetch_page with the session bound; in the unit tests, a fake).
Fetch = Callable[[str], Awaitable[FetchResult]]

# -- (Given) what politeness is per ---------------------------------------------------------

DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str:
    """(Given) scheme://host[:port] of an absolute URL, lower-case, without a default port:
    `HTTP://A.test:80/x` and `http://a.test/y` are one origin, `http://a.test:8080/` another.
    Politeness (and robots.txt) is per origin."""
    parts = urlsplit(url)
    scheme, host, port = parts.scheme.lower(), (parts.hostname or "").lower(), parts.port
    if port is None or port == DEFAULT_PORTS.get(scheme):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


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
    locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def politely(url: str) -> FetchResult:
        async with locks[origin_of(url)]:
            result = await fetch(url)
            await asyncio.sleep(delay)  # WRONG: the gap counted from the end of the request
            return result

    return list(await asyncio.gather(*(politely(url) for url in urls)))
