"""Mutant: crawl() does not expect a fetcher to die: the RayActorError of a dead fetcher's
work() call escapes, and the whole crawl fails with it."""

from solutions.k26_distributed_crawl.kata import *  # the solution, but for work_together

BREAKS = "dead-fetchers-urls-go-back"
SAYS = ("RayActorError", "not caught")


class Crawler(Crawler):
    async def work_together(self, crew, frontier, gatekeeper, per_fetcher, on_progress=None):
        works = [f.work.remote(frontier, gatekeeper, per_fetcher) for f in crew.values()]
        await asyncio.gather(*works)  # the mistake: a dead fetcher's error ends the crawl


async def crawl(*args, **kwargs):
    return await Crawler().run(*args, **kwargs)
