"""What a visit to one URL came to (Outcome, Visit, digest) and the books of a whole crawl
(CrawlReport)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from dojo.crawl.links import extract_links
from dojo.crawl.result import FetchResult
from dojo.crawl.urls import canonical

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
    # With `dojo crawl --state`: URLs in flight when an earlier run stopped (fetched again:
    # the only URLs a resumed crawl may request twice), and URLs earlier runs resolved.
    restarted: tuple[str, ...] = ()
    resumed: int = 0
    # origin -> the Crawl-delay its robots.txt asked for (dojo crawl honours it, see
    # dojo.crawl.limits.MAX_CRAWL_DELAY): only the origins that asked for one.
    crawl_delays: dict[str, float] = field(default_factory=dict)

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
