"""robots.txt once per origin, with a TTL: kata 25's reference answer, and the crawler's
(which reads the files with an RFC 9309 parser instead: dojo.crawl.rfc9309).

solutions/k25_robots_txt/kata.py imports rules_for and RobotsCache from here, so kata 25's
tests hold this very cache to the kata's rules, and each known wrong answer in
tests/mutants/k25_robots_txt/ is this cache with one piece changed. It lives in the support
package, so `dojo crawl` never depends on a learner's folder. RobotsCacheBase is the part
the kata gives (its stub's RobotsCache builds on it); the stub's other given parts are its
own (origin_of, robots_url, rules_from_text, allow_all, disallow_all)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from urllib.robotparser import RobotFileParser

from dojo.crawl.result import FetchResult
from dojo.crawl.urls import origin_of

ROBOTS_TTL = 3600.0  # seconds a robots.txt answer is kept


def unavailable(result: FetchResult) -> bool:
    """RFC 9309's "unavailable" robots.txt: the server answered any 4xx (401 and 403 too)."""
    return result.error is None and result.status is not None and 400 <= result.status < 500


def rules_for(result: FetchResult) -> RobotFileParser:
    """The failure policy of RFC 9309 (section 2.3.1): a robots.txt that was served is
    obeyed; one that does not exist (any 4xx, 401 and 403 included: "unavailable") allows
    everything; one that could not be read (5xx, no answer: "unreachable") means the site may
    be in trouble, so nothing is crawled until we are allowed to ask again.

    The rules are the standard library's parser (kata 25's): the first matching rule of a
    group wins, and `*` and `$` are plain characters. `dojo crawl` reads robots.txt the RFC's
    way instead: dojo.crawl.rfc9309."""
    rules = RobotFileParser()
    if result.ok:
        rules.parse((result.body or "").splitlines())
    elif unavailable(result):
        rules.allow_all = True
    else:
        rules.disallow_all = True
    return rules


class RobotsCacheBase:
    """What a RobotsCache is made with (kata 25 gives it): `fetch`, an async callable
    url -> FetchResult; the `user_agent` whose group it obeys; `ttl`, the seconds an answer
    is kept; and a `clock` for now(), else the real time."""

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

    def now(self) -> float:
        """The injected clock, else time.time() looked up at every call, so that freezegun's
        freeze_time reaches it. (A default argument `clock=time.time` would keep the real
        function for ever: freezegun patches modules, not default values.)"""
        return self._clock() if self._clock is not None else time.time()


class RobotsCache(RobotsCacheBase):
    """Answers "may I fetch this URL?" from each origin's robots.txt, fetching it at most once
    per origin per `ttl` seconds, however many callers ask at the same time."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)  # fetch, user_agent, ttl, clock
        # origin -> (rules, the moment they expire). Filled when an answer arrives.
        self._rules: dict[str, tuple[RobotFileParser, float]] = {}
        # origin -> the ONE fetch of its robots.txt in flight. Filled BEFORE the first await,
        # so every caller that comes while it runs finds it and waits for the same answer.
        self._loading: dict[str, asyncio.Task] = {}

    def _fresh(self, origin: str) -> RobotFileParser | None:
        """The origin's cached rules while they are fresh (now < expiry), else None."""
        cached = self._rules.get(origin)
        return cached[0] if cached is not None and self.now() < cached[1] else None

    def knows(self, url: str) -> bool:
        """Are url's origin's rules cached and fresh (allowed() then asks nobody)?"""
        return self._fresh(origin_of(url)) is not None

    async def rules(self, url: str) -> RobotFileParser:
        """The rules of url's origin: from the cache while they are fresh, else fetched once
        (concurrent callers share that one fetch)."""
        origin = origin_of(url)
        fresh = self._fresh(origin)
        if fresh is not None:
            return fresh
        return await self._fetch_once(origin)

    async def _fetch_once(self, origin: str) -> RobotFileParser:
        """The rules from the one fetch of the origin's robots.txt: the one in flight, else a
        new one."""
        loading = self._loading.get(origin)
        if loading is None:
            # No await between the check above and this line: no other caller can slip in.
            loading = asyncio.ensure_future(self._load(origin))
            self._loading[origin] = loading
        # shield: a caller that gives up (cancelled, timed out) must not cancel the fetch the
        # other callers are waiting for.
        return await asyncio.shield(loading)

    async def _load(self, origin: str) -> RobotFileParser:
        """The fetch itself (a Task of its own): the origin's robots.txt, read and kept."""
        try:
            return self._keep(origin, await self.fetch(f"{origin}/robots.txt"))
        finally:
            # Done (or failed: then the error reaches every waiter and the next call retries).
            self._loading.pop(origin, None)

    def _keep(self, origin: str, result: FetchResult) -> RobotFileParser:
        """The rules a robots.txt answer gives, cached for the origin."""
        return self._store(origin, rules_for(result))

    def _store(self, origin: str, rules: RobotFileParser) -> RobotFileParser:
        """Cache `rules` for the origin. (A step of its own, so that a cache reading robots.txt
        with another parser, dojo.crawl.rfc9309's, overrides _keep alone.)"""
        # The TTL counts from when the answer arrived (now, after the fetch's await). A
        # failure is cached too: asking a failing server again at every check would hammer
        # it; it is asked again after ttl.
        self._rules[origin] = (rules, self.now() + self.ttl)
        return rules

    async def allowed(self, url: str) -> bool:
        """May our user agent fetch url?"""
        # Our own group (matched by the product token of user_agent) if the file has one,
        # else the "*" group: never the first group in the file.
        return (await self.rules(url)).can_fetch(self.user_agent, url)

    async def crawl_delay(self, url: str) -> float | None:
        """The Crawl-delay (seconds) for our user agent on url's origin, or None."""
        delay = (await self.rules(url)).crawl_delay(self.user_agent)
        return None if delay is None else float(delay)
