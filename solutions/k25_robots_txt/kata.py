"""Kata 25 · robots.txt: reference solution.

The given parts (fetch_page, origin_of, robots_url, the three ways to make rules, and
RobotsCache's __init__ and now()) are the stub's own: imported from it, written once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from urllib.robotparser import RobotFileParser

from dojo.crawl.result import FetchResult
from katas.k25_robots_txt import kata as given
from katas.k25_robots_txt.kata import (  # noqa: F401  (given; the tests use fetch_page)
    FETCH_TIMEOUT,
    allow_all,
    disallow_all,
    fetch_page,
    origin_of,
    robots_url,
    rules_from_text,
)


def rules_for(result: FetchResult) -> RobotFileParser:
    """The failure policy of RFC 9309 (section 2.3.1): a robots.txt that was served is
    obeyed; one that does not exist (any 4xx, 401 and 403 included: "unavailable") allows
    everything; one that could not be read (5xx, no answer: "unreachable") means the site may
    be in trouble, so nothing is crawled until we are allowed to ask again."""
    if result.ok:
        return rules_from_text(result.body or "")
    if result.error is None and result.status is not None and 400 <= result.status < 500:
        return allow_all()
    return disallow_all()


class RobotsCache(given.RobotsCache):
    """The given cache (its __init__ and now()), with its state and its answers."""

    def __init__(
        self,
        fetch: Callable[[str], Awaitable[FetchResult]],
        user_agent: str,
        ttl: float,
        clock: Callable[[], float] | None = None,
    ):
        super().__init__(fetch, user_agent, ttl, clock)
        # origin -> (rules, the moment they expire). Filled when an answer arrives.
        self._rules: dict[str, tuple[RobotFileParser, float]] = {}
        # origin -> the ONE fetch of its robots.txt in flight. Filled BEFORE the first await,
        # so every caller that comes while it runs finds it and waits for the same answer.
        self._loading: dict[str, asyncio.Task] = {}

    def _fresh(self, origin: str) -> RobotFileParser | None:
        """The origin's cached rules while they are fresh (now < expiry), else None."""
        cached = self._rules.get(origin)
        return cached[0] if cached is not None and self.now() < cached[1] else None

    async def rules(self, url: str) -> RobotFileParser:
        """The rules of url's origin: from the cache while they are fresh, else fetched once
        (concurrent callers share that one fetch)."""
        origin = origin_of(url)
        fresh = self._fresh(origin)
        if fresh is not None:
            return fresh
        loading = self._loading.get(origin)
        if loading is None:
            # No await between the check above and this line: no other caller can slip in.
            loading = asyncio.ensure_future(self._load(origin))
            self._loading[origin] = loading
        # shield: a caller that gives up (cancelled, timed out) must not cancel the fetch the
        # other callers are waiting for.
        return await asyncio.shield(loading)

    async def _load(self, origin: str) -> RobotFileParser:
        try:
            rules = rules_for(await self.fetch(robots_url(origin)))
            # The TTL counts from when the answer arrived (now, after the await). A failure is
            # cached too: asking a failing server again at every check would hammer it; it is
            # asked again after ttl.
            self._rules[origin] = (rules, self.now() + self.ttl)
            return rules
        finally:
            # Done (or failed: then the error reaches every waiter and the next call retries).
            self._loading.pop(origin, None)

    async def allowed(self, url: str) -> bool:
        """May our user agent fetch url?"""
        # Our own group (matched by the product token of user_agent) if the file has one,
        # else the "*" group: never the first group in the file.
        return (await self.rules(url)).can_fetch(self.user_agent, url)

    async def crawl_delay(self, url: str) -> float | None:
        """The Crawl-delay (seconds) for our user agent on url's origin, or None."""
        delay = (await self.rules(url)).crawl_delay(self.user_agent)
        return None if delay is None else float(delay)
