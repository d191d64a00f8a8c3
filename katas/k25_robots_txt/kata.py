"""Kata 25 · robots.txt. The instructions are in README.md next to this file."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import aiohttp

from dojo import todo
from dojo.crawl.result import FetchResult
from dojo.crawl.robots import RobotsCacheBase

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
    """The rules a robots.txt fetch gives: what the file says when it was served (2xx); allow
    everything when it does not exist (any 4xx); disallow everything when it could not be
    read (5xx, or no answer at all: result.error is set)."""
    # TODO: rules_from_text(result.body or ""), allow_all() or disallow_all(), by RFC 9309.
    todo("turn a robots.txt FetchResult into rules (served, missing, unreachable)")


# -- the cache ---------------------------------------------------------------------------------


class RobotsCache(RobotsCacheBase):
    """Answers "may I fetch this URL?" from each origin's robots.txt, fetching it at most once
    per origin per `ttl` seconds, however many callers ask at the same time.

    (Given, by dojo.crawl.robots.RobotsCacheBase) it keeps self.fetch (async url ->
    FetchResult), self.user_agent and self.ttl; self.now() is the time: the injected clock,
    else time.time() (freezegun reaches it)."""

    def __init__(self, fetch, user_agent: str, ttl: float, clock=None):
        super().__init__(fetch, user_agent, ttl, clock)  # (Given)
        # TODO: your state: each origin's rules and when they expire, and the robots.txt
        # fetches in flight (so that callers arriving during a fetch wait for it).

    async def rules(self, url: str) -> RobotFileParser:
        """The rules of url's origin: from the cache while they are fresh, else fetched once
        (concurrent callers share that one fetch)."""
        # TODO: look in the cache (fresh while self.now() < expiry); else join the fetch in
        # flight for this origin, or start it: self.fetch(robots_url(origin)), rules_for(...),
        # cached until self.now() + self.ttl.
        todo("return the origin's rules: cached, or fetched once however many callers ask")

    async def allowed(self, url: str) -> bool:
        """May our user agent fetch url?"""
        # TODO: ask the rules, for OUR user agent.
        todo("answer from the origin's rules for self.user_agent")

    async def crawl_delay(self, url: str) -> float | None:
        """The Crawl-delay (seconds) for our user agent on url's origin, or None."""
        # TODO: RobotFileParser.crawl_delay(user_agent) gives an int or None.
        todo("read the Crawl-delay of our group, as a float, or None")
