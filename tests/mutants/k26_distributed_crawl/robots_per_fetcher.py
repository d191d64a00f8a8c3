"""Mutant: each fetcher keeps its own RobotsCache (the gatekeeper only spaces requests).
Every fetcher fetches every host's robots.txt again: a cache per process is not a cache per
crawl."""

from solutions.k26_distributed_crawl.kata import *  # the solution, but for who owns robots.txt

BREAKS = "robots-txt-once-per-crawl"
SAYS = ("a RobotsCache in each fetcher",)


@ray.remote(num_cpus=0)
class Gatekeeper(Gatekeeper.__ray_actor_class__):
    async def permit(self, worker, url):
        return await self.gate.enter(origin_of(url), worker)  # politeness only


@ray.remote(num_cpus=0)
class Fetcher(Fetcher.__ray_actor_class__):
    async def _visit(self, url, gatekeeper):
        if "robots" not in self.__dict__:  # the mistake: one cache per fetcher
            fetch = lambda u: self._polite_get(u, gatekeeper)  # noqa: E731
            self.robots = RobotsCache(fetch, USER_AGENT, ROBOTS_TTL)
        if not await self.robots.allowed(url):
            return Visit.skipped(url, "robots")
        return digest(await self._polite_get(url, gatekeeper))

    async def _polite_get(self, url, gatekeeper):
        start_at = await gatekeeper.permit.remote(self.name, url)
        await asyncio.sleep(max(0.0, start_at - time.time()))
        try:
            return await self.get(url)
        finally:
            await gatekeeper.leave.remote(self.name, url, time.time())


class Crawler(Crawler):
    Fetcher = Fetcher
    Gatekeeper = Gatekeeper


async def crawl(*args, **kwargs):
    return await Crawler().run(*args, **kwargs)
