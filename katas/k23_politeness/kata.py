"""Kata 23 · Politeness. The instructions are in README.md next to this file."""

import asyncio  # noqa: F401  (you will need it)
import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from dojo import todo
from dojo.crawl.result import FetchResult

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
        # TODO: what you need to remember per origin.

    def reserve(self, origin: str) -> float:
        """Book the next start slot for `origin` and return how many seconds from now it
        is (0 when a request may start at once). Every call books a slot of its own."""
        # TODO: read the time from self.clock(), find the earliest start allowed for this
        # origin, remember it, return how long to wait for it.
        todo("book the next start for this origin and return how long to wait for it")


# -- the enforcement: asyncio ---------------------------------------------------------------


async def polite_fetch_all(urls: list[str], fetch: Fetch, delay: float) -> list[FetchResult]:
    """Fetch every URL with `await fetch(url)` and return the results in the order of `urls`.
    Per origin: one request at a time, and starts at least `delay` seconds apart. Different
    origins go on side by side."""
    # TODO: one schedule for this crawl (HostScheduler), one way per origin to let only one
    # request at a time through, and every URL started at once (each waits its turn).
    todo("fetch every URL, one at a time per origin with `delay` between starts")
