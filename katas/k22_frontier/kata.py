"""Kata 22 · Frontier. The instructions are in README.md next to this file."""

import re
from urllib.parse import urlsplit, urlunsplit

import ray

from dojo import todo

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
        # TODO: the state: a first-in-first-out queue of (url, depth), what each worker
        # holds, every URL ever accepted, counters for stats(). Then offer every seed at
        # depth 0, by the same rules as the links found later (a helper method is handy).

    async def lease(self, worker: str, n: int = 1) -> list[tuple[str, int]]:
        """Up to n (url, depth) pairs from the front of the queue, now held by `worker`.
        Returns [] at once when nothing is queued (it never waits)."""
        # TODO: take them off the queue and remember that this worker holds them.
        todo("hand out up to n queued URLs and remember who holds them")

    async def done(self, worker: str, url: str, links: list[str]) -> bool:
        """`worker` fetched `url` (as lease gave it) and found `links` (absolute URLs).
        Returns True, or False (and changes nothing) if the worker does not hold url."""
        # TODO: end the lease, count it, offer each link at the page's depth + 1: canonical
        # form, never a URL accepted before, not deeper than max_depth, not more than
        # max_pages accepted in all.
        todo("acknowledge the lease and offer the links found on the page")

    async def release_worker(self, worker: str) -> int:
        """`worker` died: put every URL it holds back in the queue (depth kept). Returns
        how many."""
        # TODO: nothing a dead worker held may be lost.
        todo("put the worker's leased URLs back in the queue")

    async def finished(self) -> bool:
        """True only when the crawl is over: nothing queued AND nothing leased."""
        # TODO: think of the worker still fetching the last page.
        todo("say whether the crawl is over")

    async def stats(self) -> dict:
        """{"queued", "in_flight", "done", "seen", "skipped_by_depth", "skipped_by_limit"}"""
        # TODO: return the counts (see README.md).
        todo("return the counts")


# (Given) The same class as a Ray actor: one process owns the crawl's state and every fetcher
# asks it (kata 18). num_cpus=0: it only keeps books. Its methods are async, so the calls of
# many fetchers interleave on one event loop.
FrontierActor = ray.remote(num_cpus=0)(Frontier)
