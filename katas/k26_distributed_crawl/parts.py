"""Kata 26 · Distributed crawl: the building blocks.

given: you wrote these in katas 19–25. They are complete and tested; kata.py composes them.

    fetch_page      kata 19   one bounded GET -> FetchResult (redirects NOT followed: the
                              crawl follows them itself, so every hop is deduplicated)
    canonical,      kata 20   the one spelling of a URL; the links of a page
    extract_links
    Frontier,       kata 22   the crawl's to-do list as an actor: lease / done /
    FrontierActor             release_worker / finished, plus the books of kata 26's report
    OriginGate      kata 23   per origin: one request at a time, `delay` between two; for
                              many processes (times are wall-clock, holders have names)
    RobotsCache     kata 25   robots.txt once per origin, with a TTL
    WebClient                 the fake web inside a fetching actor (start_mock + a session)
    Visit, digest,            what one URL came to, and the report of the whole crawl
    Outcome, CrawlReport
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import aiohttp
import ray

from dojo.crawl.result import FetchResult
from dojo.web import canonical, start_mock

USER_AGENT = "dojo-crawler/1.0"
FETCH_TIMEOUT = 2.0  # seconds one request may take, headers and body
ROBOTS_TTL = 3600.0  # seconds a robots.txt answer is kept
MAX_URL_LENGTH = 2048  # longer links are skipped: servers refuse them, reports choke on them

# ---------------------------------------------------------------------------------------------
# kata 19: one bounded GET
# ---------------------------------------------------------------------------------------------

KEEP_HEADERS = ("location", "retry-after")
MAX_BODY = 2_000_000  # bytes of a text answer the crawl reads; a bigger body is an error


async def fetch_page(session: aiohttp.ClientSession, url: str, timeout: float) -> FetchResult:  # noqa: ASYNC109
    """GET `url` (redirects not followed: a 3xx comes back with its Location header) and
    describe what happened. Never raises for what the web does: 404, refused, timeout, a
    body over MAX_BODY bytes (read no further than that: a huge file must not fill memory)."""
    try:
        async with asyncio.timeout(timeout):
            async with session.get(url, allow_redirects=False) as response:
                ctype = response.content_type
                body = None
                if ctype.startswith("text/"):
                    raw = await _read_capped(response, MAX_BODY)
                    if raw is None:
                        return FetchResult(
                            url, url, response.status, ctype, None, "too_large",
                            f"body over {MAX_BODY:,} bytes",
                        )  # fmt: skip
                    body = raw.decode(response.charset or "utf-8", errors="replace")
                headers = tuple(
                    (k, v) for k, v in response.headers.items() if k.lower() in KEEP_HEADERS
                )
                return FetchResult(
                    url, str(response.url), response.status, ctype, body, None,
                    f"{response.status} {response.reason}", headers,
                )  # fmt: skip
    except TimeoutError:
        return FetchResult(url, url, error="timeout", detail=f"no answer within {timeout:g} s")
    except aiohttp.ClientConnectorError as error:
        return FetchResult(url, url, error="connect", detail=str(error))
    except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError) as error:
        return FetchResult(url, url, error="reset", detail=str(error))
    except aiohttp.ClientError as error:
        return FetchResult(url, url, error="other", detail=f"{type(error).__name__}: {error}")


async def _read_capped(response: aiohttp.ClientResponse, cap: int) -> bytes | None:
    """The body, or None as soon as it is over `cap` bytes (one read() may return less than
    asked, so read chunk by chunk until the end)."""
    chunks, size = [], 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > cap:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


# ---------------------------------------------------------------------------------------------
# kata 20: URLs and links
# ---------------------------------------------------------------------------------------------
# canonical(url) is the fake web's (dojo.web.canonical): kata 20's rules (lower-case scheme
# and host, no default port, no fragment, "/" for an empty path), plus query parameters sorted,
# which is how the fake web and its hit log compare URLs. Raises ValueError for non-http(s).

DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str:
    """scheme://host[:port]: what robots.txt and politeness are per."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port in (None, DEFAULT_PORTS.get(parts.scheme)) else f"{host}:{port}"
    return f"{parts.scheme}://{netloc}"


def on_allowed_domain(url: str, allowed_domains: Iterable[str]) -> bool:
    """True when url's host is one of the domains or a subdomain of one (whole labels)."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in (d.lower() for d in allowed_domains))


class _Hrefs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href is not None:
            self.hrefs.append(href.strip())


def extract_links(html: str, base_url: str) -> list[str]:
    """Every <a href> of the page, resolved against base_url, canonical, http(s) only, each
    once, in document order. Any domain: deciding which ones to crawl is the frontier's job."""
    parser = _Hrefs()
    try:
        parser.feed(html)
        parser.close()
    except Exception:
        pass  # keep what was found before the markup broke the parser
    links: dict[str, None] = {}
    for href in parser.hrefs:
        try:
            links[canonical(urljoin(base_url, href))] = None
        except ValueError:
            continue  # mailto:, javascript:, a broken URL: not a page
    return list(links)


# ---------------------------------------------------------------------------------------------
# what a visit to one URL came to, and the report of the whole crawl
# ---------------------------------------------------------------------------------------------

FETCHED, FAILED, SKIPPED = "fetched", "failed", "skipped"
KINDS = (FETCHED, FAILED, SKIPPED)


@dataclass(frozen=True)
class Outcome:
    """What became of one discovered URL: fetched (the server answered 2xx or 3xx), failed
    (4xx, 5xx, or no answer), or skipped (never requested, on purpose); and why."""

    kind: str  # one of KINDS
    reason: str  # e.g. "200 text/html, 7 links", "404 Not Found", "timeout", "robots"
    status: int | None = None  # the HTTP status, when there was an answer
    depth: int | None = None  # link depth (start: 0), when the frontier accepted the URL


@dataclass(frozen=True)
class Visit:
    """What a fetcher reports to the frontier about one leased URL (frontier.done)."""

    url: str
    outcome: Outcome
    links: tuple[str, ...] = ()  # found on the page: offered at depth + 1
    redirect: str | None = None  # a 3xx's target: offered at the same depth (a hop, not a link)

    @classmethod
    def skipped(cls, url: str, reason: str) -> Visit:
        return cls(url, Outcome(SKIPPED, reason))


def digest(result: FetchResult) -> Visit:
    """What the crawl learns from one fetch: its outcome, the links of an HTML page, the
    target of a redirect."""
    url = result.url
    if result.error is not None:
        return Visit(url, Outcome(FAILED, result.error, result.status))
    status = result.status or 0
    if 300 <= status < 400:
        location = result.header("Location")
        try:
            target = canonical(urljoin(url, location)) if location else None
        except ValueError:
            target = None
        return Visit(url, Outcome(FETCHED, f"{status} redirect", status), redirect=target)
    if status >= 400:
        return Visit(url, Outcome(FAILED, result.detail or str(status), status))
    if result.is_html:
        links = tuple(extract_links(result.body or "", url))
        return Visit(
            url, Outcome(FETCHED, f"{status} text/html, {len(links)} links", status), links
        )
    return Visit(url, Outcome(FETCHED, f"{status} {result.content_type} (not HTML)", status))


@dataclass
class CrawlReport:
    """The books of a crawl: every URL it discovered and what became of it. A crawl that
    lost nothing has `discovered == len(outcomes)`, each one fetched, failed or skipped."""

    outcomes: dict[str, Outcome]  # canonical URL -> its outcome
    discovered: int  # distinct URLs the crawl came across (start, links, redirect targets)
    elapsed: float = 0.0  # seconds, from the first lease to the end
    released: int = 0  # leased URLs put back in the queue because their fetcher died

    def of_kind(self, kind: str) -> dict[str, Outcome]:
        return {url: o for url, o in self.outcomes.items() if o.kind == kind}

    @property
    def fetched(self) -> dict[str, Outcome]:
        return self.of_kind(FETCHED)

    @property
    def failed(self) -> dict[str, Outcome]:
        return self.of_kind(FAILED)

    @property
    def skipped(self) -> dict[str, Outcome]:
        return self.of_kind(SKIPPED)

    def counts_by_kind(self) -> dict[str, int]:
        return dict(Counter(o.kind for o in self.outcomes.values()))

    def counts_by_status(self) -> dict[int | None, int]:
        return dict(Counter(o.status for o in self.outcomes.values() if o.kind != SKIPPED))

    def counts_by_host(self) -> dict[str, int]:
        return dict(Counter(urlsplit(url).netloc for url in self.outcomes))

    def counts_by_depth(self) -> dict[int | None, int]:
        return dict(Counter(o.depth for o in self.outcomes.values()))


# ---------------------------------------------------------------------------------------------
# kata 22: the frontier (one actor owns the crawl's to-do list and its books)
# ---------------------------------------------------------------------------------------------


class Frontier:
    """Every discovered URL is in exactly one place: queued, leased to a worker, or resolved
    (an Outcome). Links are deduplicated when offered, on their canonical form; off-domain
    links, links deeper than max_depth and links past max_pages are resolved as skipped at
    once. No method awaits: each call runs whole, however many workers call at once."""

    def __init__(
        self,
        seeds: Iterable[str],
        allowed_domains: Iterable[str],
        max_depth: int,
        max_pages: int,
    ):
        self.allowed_domains = tuple(allowed_domains)
        self.max_depth = max_depth
        self.max_pages = max_pages
        self._queue: deque[tuple[str, int]] = deque()
        self._leases: dict[str, dict[str, int]] = {}  # worker -> {url: depth}
        self._outcomes: dict[str, Outcome] = {}  # resolved URLs
        self._open: set[str] = set()  # queued or leased URLs
        self._accepted = 0  # URLs queued at some point (what max_pages counts)
        self._released = 0
        self._gone: set[str] = set()  # released workers: they get nothing more
        for seed in seeds:
            self._offer(seed, 0)

    def _offer(self, link: str, depth: int) -> None:
        try:
            url = canonical(link)
        except ValueError:
            return  # not an http(s) URL (mailto:, javascript:, broken): not a page
        if len(url) > MAX_URL_LENGTH:
            self._outcomes[url[:MAX_URL_LENGTH] + "…"] = Outcome(SKIPPED, "url too long")
            return
        known = self._outcomes.get(url)
        if known is not None and known.reason != "depth":
            return  # resolved already (a "depth" skip may come back at a smaller depth)
        if url in self._open:
            return
        if not on_allowed_domain(url, self.allowed_domains):
            self._outcomes[url] = Outcome(SKIPPED, "off-domain")
        elif depth > self.max_depth:
            self._outcomes[url] = Outcome(SKIPPED, "depth", depth=depth)
        elif self._accepted >= self.max_pages:
            self._outcomes[url] = Outcome(SKIPPED, "limit", depth=depth)
        else:
            self._outcomes.pop(url, None)
            self._accepted += 1
            self._open.add(url)
            self._queue.append((url, depth))

    async def lease(self, worker: str, n: int = 1) -> list[tuple[str, int]]:
        """Up to n (url, depth) pairs from the front of the queue, now held by `worker`.
        Returns [] at once when nothing is queued: that is NOT the end of the crawl (pages
        being fetched may still bring links); finished() says when it is."""
        batch = []
        while self._queue and len(batch) < n:
            batch.append(self._queue.popleft())
        if batch:
            self._leases.setdefault(worker, {}).update(batch)
        return batch

    async def done(self, worker: str, visit: Visit) -> bool:
        """`worker` reports what became of a URL it leased: the outcome is recorded, the links
        found are offered at depth + 1 and a redirect target at the same depth. False (and
        nothing changes) when the worker does not hold that URL."""
        held = self._leases.get(worker, {})
        if visit.url not in held:
            return False
        depth = held.pop(visit.url)
        if not held:
            del self._leases[worker]
        self._open.discard(visit.url)
        o = visit.outcome
        self._outcomes[visit.url] = Outcome(o.kind, o.reason, o.status, depth)
        if visit.redirect:
            self._offer(visit.redirect, depth)
        for link in visit.links:
            self._offer(link, depth + 1)
        return True

    async def release_worker(self, worker: str) -> int:
        """`worker` died: every URL it held goes back to the front of the queue, and it is
        never given another (a lease call it sent before dying may still arrive). Returns
        how many URLs it held."""
        self._gone.add(worker)
        held = self._leases.pop(worker, {})
        self._queue.extendleft(reversed(list(held.items())))
        self._released += len(held)
        return len(held)

    async def finished(self) -> bool:
        """True only when nothing is queued AND nothing is leased."""
        return not self._queue and not self._leases

    async def stats(self) -> dict:
        return {
            "queued": len(self._queue),
            "in_flight": sum(len(held) for held in self._leases.values()),
            "resolved": len(self._outcomes),
            "released": self._released,
        }

    async def report(self, elapsed: float = 0.0) -> CrawlReport:
        """The books so far. After finished(), every discovered URL has its outcome."""
        discovered = len(self._outcomes) + len(self._open)
        return CrawlReport(dict(self._outcomes), discovered, elapsed, self._released)


# The frontier as a Ray actor: one process owns the crawl's state; every fetcher asks it.
FrontierActor = ray.remote(num_cpus=0)(Frontier)


# ---------------------------------------------------------------------------------------------
# kata 23: politeness per origin, for many processes
# ---------------------------------------------------------------------------------------------


class GateClosed(Exception):
    """The holder was released (declared dead) while it waited for an origin."""


class OriginGate:
    """Per origin: one request at a time, and at least `delay` seconds from the end of one
    request to the start of the next. Holders are named (a fetcher's name), so a dead
    holder's origins can be freed.

        start_at = await gate.enter(origin, me)       # waits while another holder has it
        await asyncio.sleep(max(0.0, start_at - time.time()))
        try:
            ... the request ...
        finally:
            await gate.leave(origin, me, time.time())  # the next start is >= now + delay

    Times are wall-clock (time.time()), the clock every process on a machine shares: a gate
    in one actor can space the requests of fetchers in other processes. The gap counts from
    the moment the previous holder had its answer (which it reports): the one moment it knows
    for sure that the server is done with it. Counting from when the previous request was
    *sent* would let scheduling noise (a Ray reply delivered late, a process waiting for a
    CPU between deciding to send and sending) squeeze two requests closer than `delay`.
    Use it in one process, or shared by many as a Ray actor (ray.remote(num_cpus=0)(
    OriginGate)), or inside an actor of your own."""

    def __init__(self, delay: float):
        self.delay = delay
        self._locks: dict[str, asyncio.Lock] = {}  # made on first use, on the running loop
        self._holder: dict[str, str] = {}  # origin -> who holds it now
        self._last_done: dict[str, float] = {}  # origin -> when its last request was done
        self._gone: set[str] = set()  # released holders: they never get an origin again

    async def enter(self, origin: str, holder: str) -> float:
        """Wait until `origin` is free, take it for `holder`, and return the wall-clock time
        at which its request may start. Raises GateClosed if the holder was released."""
        lock = self._locks.setdefault(origin, asyncio.Lock())
        await lock.acquire()
        if holder in self._gone:
            lock.release()
            raise GateClosed(f"{holder} was released")
        self._holder[origin] = holder
        return self._last_done.get(origin, -math.inf) + self.delay

    async def leave(self, origin: str, holder: str, done_at: float) -> None:
        """`holder` is done with `origin`: its answer came in at `done_at` (time.time())."""
        if self._holder.get(origin) != holder:
            return  # released already
        del self._holder[origin]
        self._last_done[origin] = done_at
        self._locks[origin].release()

    async def release_holder(self, holder: str) -> int:
        """`holder` died: free every origin it holds (its request may have been answered
        just now), and refuse it any origin from now on. Returns how many origins it held."""
        self._gone.add(holder)
        mine = [origin for origin, who in self._holder.items() if who == holder]
        for origin in mine:
            del self._holder[origin]
            self._last_done[origin] = time.time()
            self._locks[origin].release()
        return len(mine)


# ---------------------------------------------------------------------------------------------
# kata 25: robots.txt once per origin, with a TTL
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# the fake web inside a fetching actor
# ---------------------------------------------------------------------------------------------


class WebClient:
    """Base class for an actor that fetches: subclass it, then decorate YOUR class with
    @ray.remote(num_cpus=0) (keep `super().__init__(site, hits, name)` in your __init__).

    It starts the fake web's mock in the actor's own process (a mock started anywhere else
    never reaches it), labelled with `name`: that is the `who` of its requests in the hit log.
    `get(url)` is fetch_page with the actor's one session, and returns only once the hit log
    has this request: the tests read the log after your crawl has killed its actors.
    With `site=None` there is no mock: requests go to the real network (`dojo crawl`)."""

    def __init__(self, site: Any, hits: Any, name: str):
        self.name = name
        self.web = start_mock(site, hits, who=name) if site is not None else None
        self._session: aiohttp.ClientSession | None = None

    async def ready(self) -> str:
        """Answers once the actor is up (its __init__ done): await it before timing work."""
        return self.name

    async def close(self) -> None:
        """Close the HTTP session (optional: a killed actor's session dies with it, but
        aiohttp then logs "Unclosed client session")."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get(self, url: str) -> FetchResult:
        if self._session is None:
            self._session = aiohttp.ClientSession(headers={"User-Agent": USER_AGENT})
        result = await fetch_page(self._session, url, FETCH_TIMEOUT)
        delivered = self.web.recorder.flush() if self.web is not None else None
        if delivered is not None:
            await delivered
        return result
