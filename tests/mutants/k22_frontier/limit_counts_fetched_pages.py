"""Mutant: max_pages is checked against the pages fetched so far, not against the URLs ever
accepted. By the time enough pages are fetched, far more are queued, and all of them are
leased."""

import re
from collections import deque
from urllib.parse import urlsplit, urlunsplit

import ray

REJECTED_BY = "test_page_limit_counts_every_accepted_url"

# -- (Given) kata 20's canonical(), so that this kata stands alone ---------------------------

DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST = re.compile(r"[a-z0-9.-]+")


def canonical(url: str) -> str:
    """(Given) The one spelling of an absolute http(s) URL: lowercase scheme and host, no
    default port, no fragment, "/" for an empty path. Raises ValueError for anything else."""
    parts = urlsplit(url)
    host = parts.hostname
    if parts.scheme not in DEFAULT_PORTS or not host or not _HOST.fullmatch(host):
        raise ValueError(f"not a crawlable http(s) URL: {url!r}")
    port = parts.port
    netloc = host if port in (None, DEFAULT_PORTS[parts.scheme]) else f"{host}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


# -- the frontier --------------------------------------------------------------------------


class Frontier:
    """The crawl's to-do list, shared by every fetcher: which URLs wait, which are being
    fetched and by whom, which are done, and when the whole crawl is over."""

    def __init__(self, seeds: list[str], max_depth: int, max_pages: int):
        self.max_depth = max_depth
        self.max_pages = max_pages
        self._queue: deque[tuple[str, int]] = deque()
        self._leases: dict[str, dict[str, int]] = {}  # worker -> {url: depth}
        self._seen: set[str] = set()
        self._done = 0
        self._skipped_by_depth = 0
        self._skipped_by_limit = 0
        for seed in seeds:
            self._offer(seed, 0)

    def _offer(self, link: str, depth: int) -> None:
        try:
            url = canonical(link)
        except ValueError:
            return  # not a page: nothing to crawl
        if url in self._seen:
            return
        if depth > self.max_depth:
            self._skipped_by_depth += 1
            return
        if self._done >= self.max_pages:  # the mistake: counts fetched pages
            self._skipped_by_limit += 1
            return
        self._seen.add(url)
        self._queue.append((url, depth))  # first in, first out: breadth-first

    async def lease(self, worker: str, n: int = 1) -> list[tuple[str, int]]:
        """Up to n (url, depth) pairs from the front of the queue, now held by `worker`.
        Returns [] at once when nothing is queued (it never waits)."""
        batch = []
        while self._queue and len(batch) < n:
            batch.append(self._queue.popleft())
        if batch:
            self._leases.setdefault(worker, {}).update(batch)
        return batch

    async def done(self, worker: str, url: str, links: list[str]) -> bool:
        """`worker` fetched `url` (as lease gave it) and found `links` (absolute URLs).
        Returns True, or False (and changes nothing) if the worker does not hold url."""
        try:
            url = canonical(url)
        except ValueError:
            return False
        held = self._leases.get(worker, {})
        if url not in held:
            return False  # not (or no longer) this worker's: e.g. released after a crash
        depth = held.pop(url)
        if not held:
            del self._leases[worker]
        self._done += 1
        for link in links:
            self._offer(link, depth + 1)
        return True

    async def release_worker(self, worker: str) -> int:
        """`worker` died: put every URL it holds back in the queue (depth kept). Returns
        how many."""
        held = self._leases.pop(worker, {})
        self._queue.extendleft(reversed(list(held.items())))
        return len(held)

    async def finished(self) -> bool:
        """True only when the crawl is over: nothing queued AND nothing leased."""
        return not self._queue and not self._leases

    async def stats(self) -> dict:
        """{"queued", "in_flight", "done", "seen", "skipped_by_depth", "skipped_by_limit"}"""
        return {
            "queued": len(self._queue),
            "in_flight": sum(len(held) for held in self._leases.values()),
            "done": self._done,
            "seen": len(self._seen),
            "skipped_by_depth": self._skipped_by_depth,
            "skipped_by_limit": self._skipped_by_limit,
        }


# (Given) The same class as a Ray actor: one process owns the crawl's state and every fetcher
# asks it (kata 18). num_cpus=0: it only keeps books. Its methods are async, so the calls of
# many fetchers interleave on one event loop.
FrontierActor = ray.remote(num_cpus=0)(Frontier)
