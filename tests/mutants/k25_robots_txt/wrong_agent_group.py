"""Mutant: asks the rules for the '*' group instead of our user agent. A robot named in
robots.txt (BadBot on h0) is answered as if it were anyone."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import aiohttp

from dojo.crawl.result import FetchResult

REJECTED_BY = "test_each_robot_obeys_its_own_group"

# -- (Given) kata 19's fetch_page, so that this kata stands alone ----------------------------

FETCH_TIMEOUT = 2.0
KEPT_HEADERS = ("Location", "Retry-After")


async def fetch_page(
    session: aiohttp.ClientSession,
    url: str,
    timeout: float = FETCH_TIMEOUT,
) -> FetchResult:
    """(Given) One GET, bounded by `timeout` seconds, described as a FetchResult: any HTTP
    answer has a status; no answer has an `error` ("timeout", "connect", ...). Never raises.
    Redirects are followed (5 at most, as RFC 9309 allows for robots.txt)."""
    try:
        async with asyncio.timeout(timeout):
            async with session.get(url, max_redirects=5) as response:
                ctype = response.content_type
                body = await response.text() if ctype.startswith("text/") else None
                headers = response.headers
                kept = tuple((k, headers[k]) for k in KEPT_HEADERS if k in headers)
                return FetchResult(url, str(response.url), response.status, ctype, body, None,
                                   f"{response.status} {response.reason}", kept)  # fmt: skip
    except TimeoutError:
        return FetchResult(url, url, error="timeout", detail=f"no answer within {timeout} s")
    except aiohttp.TooManyRedirects as e:
        return FetchResult(url, url, error="too_many_redirects", detail=str(e))
    except aiohttp.InvalidURL as e:
        return FetchResult(url, url, error="bad_url", detail=str(e))
    except aiohttp.ClientConnectorError as e:
        return FetchResult(url, url, error="connect", detail=str(e))
    except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError) as e:
        return FetchResult(url, url, error="reset", detail=str(e))
    except aiohttp.ClientError as e:
        return FetchResult(url, url, error="other", detail=f"{type(e).__name__}: {e}")


# -- (Given) origins and robots.txt rules ----------------------------------------------------

DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str:
    """(Given) scheme://host[:port] of a URL, the unit robots.txt rules are per: every host,
    and every port of a host, has its own /robots.txt."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port in (None, DEFAULT_PORTS.get(parts.scheme)) else f"{host}:{port}"
    return f"{parts.scheme}://{netloc}"


def robots_url(origin: str) -> str:
    """(Given) Where an origin's rules live."""
    return f"{origin}/robots.txt"


def rules_from_text(text: str) -> RobotFileParser:
    """(Given) The rules written in a robots.txt body (stdlib urllib.robotparser)."""
    rules = RobotFileParser()
    rules.parse(text.splitlines())
    return rules


def allow_all() -> RobotFileParser:
    """(Given) Rules that allow every path to every robot."""
    rules = RobotFileParser()
    rules.allow_all = True
    return rules


def disallow_all() -> RobotFileParser:
    """(Given) Rules that allow nothing to anyone."""
    rules = RobotFileParser()
    rules.disallow_all = True
    return rules


def rules_for(result: FetchResult) -> RobotFileParser:
    """The failure policy of RFC 9309 (section 2.3.1): a robots.txt that was served is
    obeyed; one that does not exist (any 4xx: "unavailable") allows everything; one that
    could not be read (5xx, no answer: "unreachable") means the site may be in trouble, so
    nothing is crawled until we are allowed to ask again."""
    if result.ok:
        return rules_from_text(result.body or "")
    if result.error is None and result.status is not None and 400 <= result.status < 500:
        return allow_all()
    return disallow_all()


# -- the cache ---------------------------------------------------------------------------------


class RobotsCache:
    """Answers "may I fetch this URL?" from each origin's robots.txt, fetching it at most once
    per origin per `ttl` seconds, however many callers ask at the same time."""

    def __init__(
        self,
        fetch: Callable[[str], Awaitable[FetchResult]],
        user_agent: str,
        ttl: float,
        clock: Callable[[], float] | None = None,
    ):
        self.fetch = fetch  # async url -> FetchResult
        self.user_agent = user_agent
        self.ttl = ttl
        self._clock = clock
        # origin -> (rules, the moment they expire). Filled when an answer arrives.
        self._rules: dict[str, tuple[RobotFileParser, float]] = {}
        # origin -> the ONE fetch of its robots.txt in flight. Filled BEFORE the first await,
        # so every caller that comes while it runs finds it and waits for the same answer.
        self._loading: dict[str, asyncio.Task] = {}

    def now(self) -> float:
        """(Given) The injected clock, else time.time() looked up at every call, so that
        freezegun's freeze_time reaches it. (A default argument `clock=time.time` would keep
        the real function for ever: freezegun patches modules, not default values.)"""
        return self._clock() if self._clock is not None else time.time()

    async def rules(self, url: str) -> RobotFileParser:
        """The rules of url's origin: from the cache while they are fresh, else fetched once
        (concurrent callers share that one fetch)."""
        origin = origin_of(url)
        cached = self._rules.get(origin)
        if cached is not None and self.now() < cached[1]:
            return cached[0]
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
            result = await self.fetch(robots_url(origin))
            rules = rules_for(result)
            # The TTL counts from when the answer arrived. A failure is cached too: asking a
            # failing server again at every check would hammer it; it is asked again after ttl.
            self._rules[origin] = (rules, self.now() + self.ttl)
            return rules
        finally:
            # Done (or failed: then the error reaches every waiter and the next call retries).
            self._loading.pop(origin, None)

    async def allowed(self, url: str) -> bool:
        """May our user agent fetch url?"""
        # Our own group (matched by the product token of user_agent) if the file has one,
        # else the "*" group: never the first group in the file.
        return (await self.rules(url)).can_fetch("*", url)  # the mistake

    async def crawl_delay(self, url: str) -> float | None:
        """The Crawl-delay (seconds) for our user agent on url's origin, or None."""
        delay = (await self.rules(url)).crawl_delay("*")
        return None if delay is None else float(delay)
