"""The crawl's to-do list and books (kata 22): one actor owns them, every fetcher asks it."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

import ray

from dojo.crawl.report import SKIPPED, CrawlReport, Outcome, Visit
from dojo.crawl.urls import MAX_URL_LENGTH, canonical, on_allowed_domain


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
