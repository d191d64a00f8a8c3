"""Alternative: the coordinator is an actor, not a coroutine in the driver. crawl() starts a
Coordinator actor and waits for it; the Coordinator starts the frontier, the gatekeeper and
the fetchers (the solution's), watches them and hands back the report. The driver could go
away and come back; the actors the Coordinator made share its fate (Ray kills the actors an
actor owns when it dies)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from typing import Any

import ray

from solutions.k26_distributed_crawl.kata import *  # the solution, but for crawl


@ray.remote(num_cpus=0)
class Coordinator:
    def __init__(self, site: Any, hits: Any, settings: dict):
        self.site, self.hits, self.settings = site, hits, settings
        self.frontier = self.gatekeeper = None
        self.crew: dict[str, Any] = {}

    async def start(self) -> dict[str, Any]:
        """Start every actor; return the fetchers once all are up."""
        s = self.settings
        self.frontier = FrontierActor.remote(
            [s["start_url"]], s["allowed_domains"], s["max_depth"], s["max_pages"]
        )
        self.gatekeeper = Gatekeeper.remote(self.site, self.hits, s["delay"])
        self.crew = {
            f"worker-{i}": Fetcher.remote(self.site, self.hits, f"worker-{i}")
            for i in range(s["fetchers"])
        }
        await asyncio.gather(
            self.frontier.stats.remote(),
            self.gatekeeper.ready.remote(),
            *(f.ready.remote() for f in self.crew.values()),
        )
        return dict(self.crew)

    async def run(self) -> CrawlReport:
        """Crawl until the frontier is finished, giving back what dead fetchers held."""
        began = time.monotonic()
        try:
            # The solution's way of watching the fetchers, here inside the coordinator.
            await Crawler().work_together(
                self.crew, self.frontier, self.gatekeeper, self.settings["per_fetcher"]
            )
            if not await self.frontier.finished.remote():
                raise RuntimeError("every fetcher died before the crawl was over")
            return await self.frontier.report.remote(time.monotonic() - began)
        finally:
            for actor in (self.frontier, self.gatekeeper, *self.crew.values()):
                ray.kill(actor)


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
    settings = {
        "start_url": start_url,
        "allowed_domains": list(allowed_domains),
        "max_depth": max_depth,
        "max_pages": max_pages,
        "fetchers": fetchers,
        "per_fetcher": per_fetcher,
        "delay": delay,
    }
    coordinator = Coordinator.remote(ray.put(site), hits, settings)
    try:
        crew = await coordinator.start.remote()
        if on_started is not None:
            on_started(crew)
        return await coordinator.run.remote()
    finally:
        ray.kill(coordinator)  # and with it every actor it started
