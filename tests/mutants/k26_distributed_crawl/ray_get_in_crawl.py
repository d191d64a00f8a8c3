"""Mutant: crawl() waits for the fetchers with a blocking ray.get on their work() calls. The
fetchers work side by side, but the event loop crawl() runs in is frozen for the whole crawl
(and a dead fetcher's error surfaces only when all are done)."""

from solutions.k26_distributed_crawl.kata import *  # the solution, but for work_together

BREAKS = "the-loop-stays-free"
SAYS = ("froze", "ray.get")


class Crawler(Crawler):
    async def work_together(self, crew, frontier, gatekeeper, per_fetcher, on_progress=None):
        works = [f.work.remote(frontier, gatekeeper, per_fetcher) for f in crew.values()]
        ray.get(works)  # the mistake: blocks the event loop until every fetcher is done


async def crawl(*args, **kwargs):
    return await Crawler().run(*args, **kwargs)
