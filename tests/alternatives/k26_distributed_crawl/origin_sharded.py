"""Alternative: origins sharded to fetchers, no gatekeeper. The frontier gives each origin to
one fetcher (the least loaded, when it first leases from it), and leases a fetcher only the
URLs of its own origins. Everything per origin then lives in that one fetcher: its own
OriginGate and RobotsCache are enough, because no other fetcher ever talks to those hosts.
When a fetcher dies, its leases go back to the queue and its origins move to the others
(which read those hosts' robots.txt again)."""

from __future__ import annotations

from dojo.crawl.frontier import Frontier
from solutions.k26_distributed_crawl.kata import *  # the solution, but for who owns an origin


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
class Fetcher(Gatekeeper.__ray_actor_class__, Fetcher.__ray_actor_class__):
    """The solution's lanes, in a fetcher that owns its origins: the gatekeeper's gate and
    robots.txt rules, local to it (no other fetcher talks to those hosts)."""

    async def _visit(self, url: str, _gatekeeper: None) -> Visit:
        if not await self.robots.allowed(url):
            return Visit.skipped(url, "robots")
        return digest(await self.get_in_turn(url))


class Sharded(Crawler):
    """The solution's crawl without a gatekeeper. When a fetcher dies, its leases go back and
    its origins move to the others, both in the frontier (its release_worker)."""

    def start_actors(self, site, hits, fetchers, delay, *frontier_args):
        names = [f"shard-{i}" for i in range(fetchers)]
        frontier = ShardedFrontierActor.remote(names, *frontier_args)
        return frontier, None, {name: Fetcher.remote(site, hits, delay, name) for name in names}


async def crawl(*args: Any, **settings: Any) -> CrawlReport:
    return await Sharded().run(*args, **settings)
