"""robots.txt once per origin, with a TTL (kata 25)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from urllib.robotparser import RobotFileParser

from dojo.crawl.result import FetchResult
from dojo.crawl.urls import origin_of

ROBOTS_TTL = 3600.0  # seconds a robots.txt answer is kept


def rules_for(result: FetchResult) -> RobotFileParser:
    """RFC 9309: served (2xx) -> its rules; missing (4xx) -> allow all; unreachable (5xx, no
    answer) -> disallow all."""
    rules = RobotFileParser()
    if result.ok:
        rules.parse((result.body or "").splitlines())
    elif result.error is None and result.status is not None and 400 <= result.status < 500:
        rules.allow_all = True
    else:
        rules.disallow_all = True
    return rules


class RobotsCache:
    """`await cache.allowed(url)`: robots.txt fetched once per origin per `ttl` seconds
    through `fetch` (async url -> FetchResult), however many callers ask at once."""

    def __init__(
        self,
        fetch: Callable[[str], Awaitable[FetchResult]],
        user_agent: str,
        ttl: float,
        clock: Callable[[], float] | None = None,
    ):
        self.fetch = fetch
        self.user_agent = user_agent
        self.ttl = ttl
        self._clock = clock
        self._rules: dict[str, tuple[RobotFileParser, float]] = {}
        self._loading: dict[str, asyncio.Task] = {}

    def now(self) -> float:
        return self._clock() if self._clock is not None else time.time()

    async def rules(self, url: str) -> RobotFileParser:
        origin = origin_of(url)
        cached = self._rules.get(origin)
        if cached is not None and self.now() < cached[1]:
            return cached[0]
        if origin not in self._loading:
            self._loading[origin] = asyncio.ensure_future(self._load(origin))
        return await asyncio.shield(self._loading[origin])

    async def _load(self, origin: str) -> RobotFileParser:
        try:
            rules = rules_for(await self.fetch(f"{origin}/robots.txt"))
            self._rules[origin] = (rules, self.now() + self.ttl)
            return rules
        finally:
            self._loading.pop(origin, None)

    async def allowed(self, url: str) -> bool:
        return (await self.rules(url)).can_fetch(self.user_agent, url)

    async def crawl_delay(self, url: str) -> float | None:
        delay = (await self.rules(url)).crawl_delay(self.user_agent)
        return None if delay is None else float(delay)
