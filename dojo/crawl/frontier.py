"""The crawl's to-do list and books (kata 22): one actor owns them, every fetcher asks it.
Beyond the kata, with `dojo crawl --state DIR`: the books are journaled as they change, and a
new run starts from them (dojo.crawl.state)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

import ray

from dojo.crawl.journal import JournalWriter
from dojo.crawl.report import SKIPPED, CrawlReport, Outcome, Visit
from dojo.crawl.urls import MAX_URL_LENGTH, canonical, on_allowed_domain


class Frontier:
    """Every discovered URL is in exactly one place: queued, leased to a worker, or resolved
    (an Outcome). Links are deduplicated when offered, on their canonical form; off-domain
    links, links deeper than max_depth and links past max_pages are resolved as skipped at
    once. No method awaits: each call runs whole, however many workers call at once.

    `resume` (a dojo.crawl.state.Resume, `dojo crawl --state`) starts from the books of earlier
    runs, and journals every change before the call that made it returns: a URL is on disk as
    leased before its fetcher has it."""

    def __init__(
        self,
        seeds: Iterable[str],
        allowed_domains: Iterable[str],
        max_depth: int,
        max_pages: int,
        resume: Any = None,
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
        self._restarted: tuple[str, ...] = ()  # in flight when an earlier run stopped
        self._resumed = 0  # URLs resolved by earlier runs
        self._journal: JournalWriter | None = None
        self._changes: dict[str, list] = {}  # this call's queued and skipped URLs, to journal
        if resume is not None:
            self._resume(resume)
        for seed in seeds:
            self._offer(seed, 0)
        self._log("offer")

    def _resume(self, resume: Any) -> None:
        books = resume.books
        self._queue.extend(books.queued.items())
        self._open.update(books.queued)
        self._outcomes.update(books.outcomes)
        self._accepted, self._released = books.accepted, books.released
        self._restarted, self._resumed = tuple(sorted(books.restarted)), len(books.outcomes)
        self._journal = JournalWriter(resume.journal)
        self._log("run")

    def _log(self, op: str, **fields: Any) -> None:
        """The journal's line for the call now ending, if it changed anything (and there is
        a journal): written before the call returns."""
        if self._journal is not None and (fields or self._changes or op == "run"):
            self._journal.write({"op": op, **fields, **self._changes})
        self._changes = {}

    def _note(self, change: str, entry: list) -> None:
        if self._journal is not None:
            self._changes.setdefault(change, []).append(entry)

    def _skip(self, url: str, reason: str, depth: int | None = None) -> None:
        self._outcomes[url] = Outcome(SKIPPED, reason, depth=depth)
        self._note("skip", [url, reason, depth])

    def _offer(self, link: str, depth: int, parent: str | None = None) -> None:
        try:
            url = canonical(link)
        except ValueError:
            return  # not an http(s) URL (mailto:, javascript:, broken): not a page
        if len(url) > MAX_URL_LENGTH:
            self._skip(url[:MAX_URL_LENGTH] + "…", "url too long")
            return
        known = self._outcomes.get(url)
        if known is not None and known.reason != "depth":
            return  # resolved already (a "depth" skip may come back at a smaller depth)
        if url in self._open:
            return
        if not on_allowed_domain(url, self.allowed_domains):
            self._skip(url, "off-domain")
        elif depth > self.max_depth:
            self._skip(url, "depth", depth)
        elif self._accepted >= self.max_pages:
            self._skip(url, "limit", depth)
        else:
            self._outcomes.pop(url, None)
            self._accepted += 1
            self._open.add(url)
            self._queue.append((url, depth))
            self._note("new", [url, depth, parent])

    async def lease(self, worker: str, n: int = 1) -> list[tuple[str, int]]:
        """Up to n (url, depth) pairs from the front of the queue, now held by `worker`.
        Returns [] at once when nothing is queued: that is NOT the end of the crawl (pages
        being fetched may still bring links); finished() says when it is."""
        if worker in self._gone:
            # Released as dead: a lease it sent before dying may arrive after the release,
            # and URLs leased to it now would never come back (finished() would never come).
            return []
        batch = []
        while self._queue and len(batch) < n:
            batch.append(self._queue.popleft())
        if batch:
            self._leases.setdefault(worker, {}).update(batch)
            self._log("lease", urls=[url for url, _ in batch])
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
            self._offer(visit.redirect, depth, visit.url)
        for link in visit.links:
            self._offer(link, depth + 1, visit.url)
        self._log("done", url=visit.url, o=[o.kind, o.reason, o.status, depth])
        return True

    async def done_and_lease(
        self, worker: str, visit: Visit | None, n: int = 1
    ) -> list[tuple[str, int]]:
        """done(worker, visit) if there is a visit to report, then lease(worker, n): one
        call where a lane makes two (dojo crawl's coalescing fetchers), with the same books
        and journal lines as the two calls."""
        if visit is not None:
            await self.done(worker, visit)
        return await self.lease(worker, n)

    async def done_many_and_lease(
        self, worker: str, visits: list[Visit], n: int
    ) -> list[tuple[str, int]]:
        """done(worker, visit) for each visit, then lease(worker, n): one call for the lanes
        of a fetcher that finished pages while its last call was in flight (FrontierTurns)."""
        for visit in visits:
            await self.done(worker, visit)
        return await self.lease(worker, n) if n else []

    async def release_worker(self, worker: str) -> int:
        """`worker` died: every URL it held goes back to the front of the queue, and it is
        never given another (a lease call it sent before dying may still arrive). Returns
        how many URLs it held."""
        self._gone.add(worker)
        held = self._leases.pop(worker, {})
        self._queue.extendleft(reversed(list(held.items())))
        self._released += len(held)
        if held:
            self._log("release", urls=list(held))
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
        if self._journal is not None:
            self._journal.sync()
        discovered = len(self._outcomes) + len(self._open)
        return CrawlReport(
            dict(self._outcomes), discovered, elapsed, self._released,
            restarted=self._restarted, resumed=self._resumed,
        )  # fmt: skip


# The frontier as a Ray actor: one process owns the crawl's state; every fetcher asks it.
FrontierActor = ray.remote(num_cpus=0)(Frontier)
