"""Alternative: origins sharded to fetchers, no gatekeeper. The frontier gives each origin to
one fetcher (the least loaded, when it first leases from it), and leases a fetcher only the
URLs of its own origins. Everything per origin then lives in that one fetcher: its own
OriginGate and RobotsCache are enough, because no other fetcher ever talks to those hosts.
When a fetcher dies, its leases go back to the queue and its origins move to the others
(which read those hosts' robots.txt again)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from typing import Any

import ray

from dojo.crawl.client import WebClient
from dojo.crawl.fetch import USER_AGENT
from dojo.crawl.frontier import Frontier
from dojo.crawl.politeness import OriginGate
from dojo.crawl.report import CrawlReport, Visit, digest
from dojo.crawl.result import FetchResult
from dojo.crawl.robots import ROBOTS_TTL, RobotsCache
from dojo.crawl.urls import origin_of
from solutions.k26_distributed_crawl.kata import Crawler

IDLE = 0.05


class ShardedFrontier(Frontier):
    """The given frontier, leasing each worker only the URLs of the origins it owns."""

    def __init__(self, workers: list[str], *args: Any):
        super().__init__(*args)
        self._live = list(workers)
        self._owner: dict[str, str] = {}  # origin -> worker

    def _owner_of(self, origin: str) -> str:
        if origin not in self._owner:
            load = {w: 0 for w in self._live}
            for owner in self._owner.values():
                if owner in load:
                    load[owner] += 1
            self._owner[origin] = min(self._live, key=lambda w: (load[w], w))
        return self._owner[origin]

    async def lease(self, worker: str, n: int = 1) -> list[tuple[str, int]]:
        if worker not in self._live:
            return []
        batch, keep = [], []
        while self._queue and len(batch) < n:
            url, depth = self._queue.popleft()
            (batch if self._owner_of(origin_of(url)) == worker else keep).append((url, depth))
        self._queue.extendleft(reversed(keep))
        if batch:
            self._leases.setdefault(worker, {}).update(batch)
        return batch

    async def release_worker(self, worker: str) -> int:
        if worker in self._live and len(self._live) > 1:
            self._live.remove(worker)
            for origin, owner in list(self._owner.items()):
                if owner == worker:
                    del self._owner[origin]  # re-assigned at its next lease
        return await super().release_worker(worker)


ShardedFrontierActor = ray.remote(num_cpus=0)(ShardedFrontier)


@ray.remote(num_cpus=0)
class Fetcher(WebClient):
    """Owns its origins: politeness and robots.txt are local to it."""

    def __init__(self, site: Any, hits: Any, name: str, delay: float):
        super().__init__(site, hits, name)
        self.gate = OriginGate(delay)
        self.robots = RobotsCache(self._polite_get, USER_AGENT, ROBOTS_TTL)

    async def _polite_get(self, url: str) -> FetchResult:
        origin = origin_of(url)
        start_at = await self.gate.enter(origin, self.name)
        await asyncio.sleep(max(0.0, start_at - time.time()))
        try:
            return await self.get(url)
        finally:
            await self.gate.leave(origin, self.name, time.time())

    async def work(self, frontier: Any, _gatekeeper: None, lanes: int) -> int:
        return sum(await asyncio.gather(*(self._lane(frontier) for _ in range(lanes))))

    async def _lane(self, frontier: Any) -> int:
        visits = 0
        while True:
            batch = await frontier.lease.remote(self.name, 1)
            if not batch:
                if await frontier.finished.remote():
                    return visits
                await asyncio.sleep(IDLE)
                continue
            [(url, _)] = batch
            if await self.robots.allowed(url):
                visit = digest(await self._polite_get(url))
            else:
                visit = Visit.skipped(url, "robots")
            await frontier.done.remote(self.name, visit)
            visits += 1


class Sharded(Crawler):
    """The solution's way of watching the fetchers; a dead one's leases go back and its
    origins move to the others, both in the frontier."""

    async def give_back(self, name: str, frontier: Any, gatekeeper: None) -> None:
        await frontier.release_worker.remote(name)


async def crawl(
    site: Any,
    hits: Any,
    start_url: str,
    *,
    allowed_domains: Iterable[str],
    max_depth: int,
    max_pages: int,
    fetchers: int,
    per_fetcher: int,
    delay: float,
    on_started: Callable[[dict[str, Any]], None] | None = None,
) -> CrawlReport:
    site_ref = ray.put(site)
    names = [f"shard-{i}" for i in range(fetchers)]
    frontier = ShardedFrontierActor.remote(
        names, [start_url], list(allowed_domains), max_depth, max_pages
    )
    crew = {name: Fetcher.remote(site_ref, hits, name, delay) for name in names}
    try:
        await asyncio.gather(frontier.stats.remote(), *(f.ready.remote() for f in crew.values()))
        if on_started is not None:
            on_started(dict(crew))
        began = time.monotonic()
        await Sharded().work_together(crew, frontier, None, per_fetcher)
        if not await frontier.finished.remote():
            raise RuntimeError("every fetcher died before the crawl was over")
        return await frontier.report.remote(time.monotonic() - began)
    finally:
        for actor in (frontier, *crew.values()):
            ray.kill(actor)
