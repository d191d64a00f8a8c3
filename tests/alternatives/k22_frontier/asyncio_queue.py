"""Alternative: an asyncio.Queue holds the waiting URLs (get_nowait/put_nowait, so nothing
ever waits), each worker's leases are a list, and a released URL goes to the back."""

import asyncio
import re
from urllib.parse import urlsplit, urlunsplit

import ray

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
    def __init__(self, seeds: list[str], max_depth: int, max_pages: int):
        self.max_depth = max_depth
        self.max_pages = max_pages
        self._waiting: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
        self._held: dict[str, list[tuple[str, int]]] = {}
        self._accepted: set[str] = set()
        self._counts = {"done": 0, "skipped_by_depth": 0, "skipped_by_limit": 0}
        for seed in seeds:
            self._accept(seed, 0)

    def _accept(self, link: str, depth: int) -> None:
        try:
            page = canonical(link)
        except ValueError:
            return
        if page in self._accepted:
            return
        if depth > self.max_depth:
            self._counts["skipped_by_depth"] += 1
        elif len(self._accepted) >= self.max_pages:
            self._counts["skipped_by_limit"] += 1
        else:
            self._accepted.add(page)
            self._waiting.put_nowait((page, depth))

    async def lease(self, worker: str, n: int = 1) -> list[tuple[str, int]]:
        batch = []
        while len(batch) < n and not self._waiting.empty():
            batch.append(self._waiting.get_nowait())
        self._held.setdefault(worker, []).extend(batch)
        return batch

    async def done(self, worker: str, url: str, links: list[str]) -> bool:
        held = self._held.get(worker, [])
        match = next((item for item in held if item[0] == url), None)
        if match is None:
            return False
        held.remove(match)
        self._counts["done"] += 1
        for link in links:
            self._accept(link, match[1] + 1)
        return True

    async def release_worker(self, worker: str) -> int:
        held = self._held.pop(worker, [])
        for item in held:
            self._waiting.put_nowait(item)
        return len(held)

    async def finished(self) -> bool:
        return self._waiting.empty() and not any(self._held.values())

    async def stats(self) -> dict:
        return {
            "queued": self._waiting.qsize(),
            "in_flight": sum(map(len, self._held.values())),
            "seen": len(self._accepted),
            **self._counts,
        }


# (Given) The same class as a Ray actor: one process owns the crawl's state and every fetcher
# asks it (kata 18). num_cpus=0: it only keeps books. Its methods are async, so the calls of
# many fetchers interleave on one event loop.
FrontierActor = ray.remote(num_cpus=0)(Frontier)
