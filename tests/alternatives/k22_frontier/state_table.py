"""Alternative: one table, url -> [state, depth, holder], is the whole truth; a deque
orders the waiting URLs, and stats() counts states instead of keeping counters."""

from collections import deque

import ray

from solutions.k22_frontier import kata as solution
from solutions.k22_frontier.kata import *  # the names not overridden

# -- the frontier --------------------------------------------------------------------------


QUEUED, LEASED, DONE = "queued", "leased", "done"


class Frontier:
    def __init__(self, seeds: list[str], max_depth: int, max_pages: int):
        self.max_depth = max_depth
        self.max_pages = max_pages
        self._table: dict[str, list] = {}  # url -> [state, depth, worker or None]
        self._line: deque[str] = deque()
        self._too_deep = 0
        self._over_limit = 0
        for seed in seeds:
            self._offer(seed, 0)

    # The solution's _offer: a link's canonical form goes on to _accept; a link that is not a
    # page is dropped.
    _offer = solution.Frontier._offer

    def _accept(self, url: str, depth: int) -> None:
        if url in self._table:
            return
        if depth > self.max_depth:
            self._too_deep += 1
            return
        if len(self._table) >= self.max_pages:
            self._over_limit += 1
            return
        self._table[url] = [QUEUED, depth, None]
        self._line.append(url)

    def _count(self, state: str) -> int:
        return sum(1 for row in self._table.values() if row[0] == state)

    async def lease(self, worker: str, n: int = 1) -> list[tuple[str, int]]:
        batch = []
        while self._line and len(batch) < n:
            url = self._line.popleft()
            row = self._table[url]
            row[0], row[2] = LEASED, worker
            batch.append((url, row[1]))
        return batch

    async def done(self, worker: str, url: str, links: list[str]) -> bool:
        row = self._table.get(url)
        if row is None or row[0] != LEASED or row[2] != worker:
            return False
        row[0], row[2] = DONE, None
        for link in links:
            self._offer(link, row[1] + 1)
        return True

    async def release_worker(self, worker: str) -> int:
        mine = [url for url, row in self._table.items() if row[0] == LEASED and row[2] == worker]
        for url in reversed(mine):
            self._table[url][0], self._table[url][2] = QUEUED, None
            self._line.appendleft(url)
        return len(mine)

    async def finished(self) -> bool:
        return not self._line and self._count(LEASED) == 0

    async def stats(self) -> dict:
        return {
            "queued": self._count(QUEUED),
            "in_flight": self._count(LEASED),
            "done": self._count(DONE),
            "seen": len(self._table),
            "skipped_by_depth": self._too_deep,
            "skipped_by_limit": self._over_limit,
        }


FrontierActor = ray.remote(num_cpus=0)(Frontier)
