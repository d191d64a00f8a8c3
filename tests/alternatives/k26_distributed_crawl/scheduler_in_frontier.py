"""Alternative: the frontier is the scheduler. No gatekeeper: the frontier leases a URL only
when its origin is free, with the wall-clock time its request may start, and frees the
origin when the visit is reported (with the time its answer came in). robots.txt
is a job like any other: the first time the frontier meets an origin it leases out that
origin's robots.txt and holds the origin's URLs back until the rules come in; then it skips
disallowed URLs itself. Fetchers only fetch. Lanes long-poll: lease() waits (up to a
moment) for something leasable instead of returning [] at once."""

from __future__ import annotations

import math
from urllib.robotparser import RobotFileParser

from dojo.crawl.frontier import Frontier
from dojo.crawl.report import SKIPPED, Outcome
from dojo.crawl.robots import rules_for
from solutions.k26_distributed_crawl.kata import *  # the solution, but for who schedules

ROBOTS = -1  # the "depth" of a robots.txt job


class SchedulingFrontier(Frontier):
    def __init__(self, delay: float, *args: Any):
        super().__init__(*args)
        self.delay = delay
        self._busy: dict[str, str] = {}  # origin -> worker holding it
        self._last_done: dict[str, float] = {}
        self._rules: dict[str, RobotFileParser | None] = {}  # None: robots.txt being fetched
        self._changed: asyncio.Event | None = None

    def _take(self, worker: str) -> list[tuple[str, int, float]]:
        """The first leasable job for worker, or []. No await: nothing can cut in."""
        for i, (url, depth) in enumerate(self._queue):
            origin = origin_of(url)
            if origin in self._busy:
                continue
            start_at = self._last_done.get(origin, -math.inf) + self.delay
            if origin not in self._rules:  # a new origin: its robots.txt first
                self._rules[origin] = None
                self._busy[origin] = worker
                return [(f"{origin}/robots.txt", ROBOTS, start_at)]
            rules = self._rules[origin]
            if rules is None:
                continue
            del self._queue[i]
            if not rules.can_fetch(USER_AGENT, url):
                self._open.discard(url)
                self._outcomes[url] = Outcome(SKIPPED, "robots", depth=depth)
                return self._take(worker)
            self._busy[origin] = worker
            self._leases.setdefault(worker, {})[url] = depth
            return [(url, depth, start_at)]
        return []

    def _wake(self) -> None:
        if self._changed is not None:
            self._changed.set()

    async def lease_job(self, worker: str, wait: float = 0.5) -> list[tuple[str, int, float]]:
        if self._changed is None:
            self._changed = asyncio.Event()
        deadline = time.monotonic() + wait
        while True:
            if worker in self._gone:
                return []
            job = self._take(worker)
            if job or await self.finished() or time.monotonic() >= deadline:
                return job
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), deadline - time.monotonic())
            except TimeoutError:
                pass

    def _free(self, url: str, worker: str, done_at: float) -> None:
        origin = origin_of(url)
        if self._busy.get(origin) == worker:
            del self._busy[origin]
            self._last_done[origin] = done_at

    async def visited(self, worker: str, visit: Visit, done_at: float) -> bool:
        self._free(visit.url, worker, done_at)
        try:
            return await self.done(worker, visit)
        finally:
            self._wake()

    async def robots_fetched(self, worker: str, result: FetchResult, done_at: float) -> None:
        origin = origin_of(result.url)
        if self._busy.get(origin) == worker:
            self._rules[origin] = rules_for(result)
            self._free(result.url, worker, done_at)
        self._wake()

    async def release_worker(self, worker: str) -> int:
        for origin, holder in list(self._busy.items()):
            if holder == worker:
                del self._busy[origin]
                self._last_done[origin] = time.time()
                if self._rules.get(origin, 0) is None:
                    del self._rules[origin]  # its robots.txt job is leased out again
        try:
            return await super().release_worker(worker)
        finally:
            self._wake()


SchedulingFrontierActor = ray.remote(num_cpus=0)(SchedulingFrontier)


@ray.remote(num_cpus=0)
class Fetcher(Fetcher.__ray_actor_class__):
    """The solution's fetcher (work() runs `lanes` lanes), with lanes that only fetch what
    they are leased, at the time the frontier gives."""

    async def _lane(self, frontier: Any, _gatekeeper: None) -> int:
        visits = 0
        while True:
            job = await frontier.lease_job.remote(self.name)
            if not job:
                if await frontier.finished.remote():
                    return visits
                continue
            [(url, depth, start_at)] = job
            await asyncio.sleep(max(0.0, start_at - time.time()))
            result = await self.get(url)
            if depth == ROBOTS:
                await frontier.robots_fetched.remote(self.name, result, time.time())
            else:
                await frontier.visited.remote(self.name, digest(result), time.time())
                visits += 1


class NoGatekeeper(Crawler):
    """The solution's crawl without a gatekeeper: a dead fetcher's leases, origins and robots
    jobs are all the frontier's to give back (its release_worker)."""

    def start_actors(self, site, hits, fetchers, delay, *frontier_args):
        crew = {f"f{i}": Fetcher.remote(site, hits, f"f{i}") for i in range(fetchers)}
        return SchedulingFrontierActor.remote(delay, *frontier_args), None, crew


async def crawl(*args: Any, **settings: Any) -> CrawlReport:
    return await NoGatekeeper().run(*args, **settings)
