"""Alternative: an asyncio.Queue holds the waiting URLs (get_nowait/put_nowait, so nothing
ever waits), each worker's leases are a list, and a released URL goes to the back."""

import asyncio

import ray

from solutions.k22_frontier import kata as solution
from solutions.k22_frontier.kata import *  # the names not overridden

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
            self._offer(seed, 0)

    # The solution's _offer: a link's canonical form goes on to _accept; a link that is not a
    # page is dropped.
    _offer = solution.Frontier._offer

    def _accept(self, page: str, depth: int) -> None:
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
            self._offer(link, match[1] + 1)
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


FrontierActor = ray.remote(num_cpus=0)(Frontier)
