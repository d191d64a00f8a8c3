"""Kata 22 · Frontier: reference solution."""

from collections import deque

import ray

# (Given) kata 20's canonical(), from the stub: the one spelling of a URL.
from katas.k22_frontier.kata import canonical

# -- the frontier --------------------------------------------------------------------------


class Frontier:
    """The crawl's to-do list, shared by every fetcher: which URLs wait, which are being
    fetched and by whom, which are done, and when the whole crawl is over."""

    def __init__(self, seeds: list[str], max_depth: int, max_pages: int):
        self.max_depth = max_depth
        self.max_pages = max_pages
        # Every accepted URL is in exactly one of three places: the queue, a worker's leases,
        # or done. `seen` remembers all of them, so nothing accepted is ever queued again.
        self._queue: deque[tuple[str, int]] = deque()
        self._leases: dict[str, dict[str, int]] = {}  # worker -> {url: depth}
        self._seen: set[str] = set()
        self._done = 0
        self._skipped_by_depth = 0
        self._skipped_by_limit = 0
        for seed in seeds:
            self._offer(seed, 0)

    def _offer(self, link: str, depth: int) -> None:
        """A link found on a page at depth - 1 (or a seed, at depth 0): queued if it is a page
        not known yet, within max_depth and max_pages."""
        try:
            url = canonical(link)
        except ValueError:
            return  # not a page: nothing to crawl
        self._accept(url, depth)

    def _accept(self, url: str, depth: int) -> None:
        # Dedupe when a URL is OFFERED, on its canonical form: a URL still queued or being
        # fetched is as known as one already done. (Deduping only what was fetched queues a
        # page once per page linking to it before it is fetched.)
        if url in self._seen:
            return
        if depth > self.max_depth:
            # Not remembered: a shorter path may still offer it at an allowed depth.
            self._skipped_by_depth += 1
            return
        if self._full():
            self._skipped_by_limit += 1
            return
        self._seen.add(url)
        self._queue.append((url, depth))  # first in, first out: breadth-first

    def _full(self) -> bool:
        # The limit counts every URL ever accepted, not pages fetched so far: by the time
        # enough pages are fetched, far too many would be queued.
        return len(self._seen) >= self.max_pages

    async def lease(self, worker: str, n: int = 1) -> list[tuple[str, int]]:
        """Up to n (url, depth) pairs from the front of the queue, now held by `worker`.
        Returns [] at once when nothing is queued (it never waits)."""
        # No await anywhere in this class: each call runs start to end without another call
        # cutting in, so fifty concurrent leases can never hand out one URL twice.
        batch = []
        while self._queue and len(batch) < n:
            batch.append(self._queue.popleft())
        if batch:
            # Remember who holds what: a crashed worker's URLs must be found again.
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
        # Back to the front of the queue, in the order they were leased: they are the
        # oldest work, and their depth is kept.
        self._queue.extendleft(reversed(list(held.items())))
        return len(held)

    async def finished(self) -> bool:
        """True only when the crawl is over: nothing queued AND nothing leased."""
        # An empty queue is not the end: a page being fetched may still bring new links.
        # The crawl is over only when nothing waits AND nothing is being fetched.
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
