"""Mutant: every fetcher runs the lanes of the whole crawl (fetchers x per_fetcher) instead of
per_fetcher: a fetcher may have more requests in flight than it is allowed."""

from solutions.k26_distributed_crawl.kata import *  # the solution, but for work_together

BREAKS = "fetchers-work-side-by-side"
SAYS = ("more than per_fetcher lanes",)


class Crawler(Crawler):
    async def work_together(self, crew, frontier, gatekeeper, per_fetcher, on_progress=None):
        lanes = per_fetcher * len(crew)  # the mistake: the crawl's total, in each fetcher
        await super().work_together(crew, frontier, gatekeeper, lanes, on_progress)


async def crawl(*args, **kwargs):
    return await Crawler().run(*args, **kwargs)
