"""Alternative: the coordinator is an actor, not a coroutine in the driver. crawl() starts a
Coordinator actor and waits for it; the Coordinator runs the solution's Crawler (it starts the
frontier, the gatekeeper and the fetchers, watches them and hands back the report), and tells
the driver the fetchers once they are up. The driver could go away and come back; the actors
the Coordinator made share its fate (Ray kills the actors an actor owns when it dies)."""

from __future__ import annotations

from solutions.k26_distributed_crawl.kata import *  # the solution, but for where it runs


@ray.remote(num_cpus=0)
class Coordinator:
    def __init__(self) -> None:
        self.crew: dict[str, Any] | None = None
        self._up: asyncio.Event | None = None

    def up(self) -> asyncio.Event:
        """Set once the fetchers are up, or once the crawl ended without them."""
        if self._up is None:  # made in the actor's event loop, by whichever call comes first
            self._up = asyncio.Event()
        return self._up

    def _started(self, crew: dict[str, Any]) -> None:
        self.crew = crew
        self.up().set()

    async def crawl(self, *args: Any, **settings: Any) -> CrawlReport:
        try:
            return await Crawler().run(*args, on_started=self._started, **settings)
        finally:
            self.up().set()

    async def fetchers(self) -> dict[str, Any] | None:
        await self.up().wait()
        return self.crew


async def crawl(*args: Any, on_started: Callable | None = None, **settings: Any) -> CrawlReport:
    coordinator = Coordinator.remote()
    try:
        crawling = coordinator.crawl.remote(*args, **settings)
        crew = await coordinator.fetchers.remote()
        if crew is not None and on_started is not None:
            on_started(crew)
        return await crawling
    finally:
        ray.kill(coordinator)  # and with it every actor it started
