"""Alternative: an asyncio.Lock per origin. The first caller takes the lock and fetches;
the others queue on the lock and, once they hold it, look in the cache again and find the
answer. A cancelled holder releases the lock and the next one fetches. (All in one event
loop, so plain asyncio locks are safe.)"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import aiohttp

from dojo.crawl.result import FetchResult

# -- (Given) kata 19's fetch_page, so that this kata stands alone ----------------------------

FETCH_TIMEOUT = 2.0
KEPT_HEADERS = ("Location", "Retry-After")


async def fetch_page(
    session: aiohttp.ClientSession,
    url: str,
    timeout: float = FETCH_TIMEOUT,  # noqa: ASYNC109 (asyncio.timeout inside)
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
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    def now(self) -> float:
        return self._clock() if self._clock is not None else time.time()

    def _fresh(self, origin: str) -> RobotFileParser | None:
        cached = self._rules.get(origin)
        return cached[0] if cached is not None and self.now() < cached[1] else None

    async def rules(self, url: str) -> RobotFileParser:
        origin = origin_of(url)
        rules = self._fresh(origin)
        if rules is not None:
            return rules
        async with self._locks[origin]:
            rules = self._fresh(origin)  # filled while we waited for the lock?
            if rules is None:
                rules = rules_for(await self.fetch(robots_url(origin)))
                self._rules[origin] = (rules, self.now() + self.ttl)
            return rules

    async def allowed(self, url: str) -> bool:
        return (await self.rules(url)).can_fetch(self.user_agent, url)

    async def crawl_delay(self, url: str) -> float | None:
        delay = (await self.rules(url)).crawl_delay(self.user_agent)
        return None if delay is None else float(delay)
