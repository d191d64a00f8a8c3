"""Alternative: no scheduler object in the crawl. Each origin gets a record holding its
asyncio.Lock and the time of its last start; inside the lock the request waits until
last start + delay, stamps its own start, then fetches. HostScheduler stands on its own,
written as a map of last starts."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

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
