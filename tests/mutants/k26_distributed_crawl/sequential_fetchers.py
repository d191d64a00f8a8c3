"""Mutant: the fetchers take turns: crawl() awaits one fetcher's work before it starts the next.
The first fetcher crawls everything; the others find the crawl over."""

from solutions.k26_distributed_crawl.kata import *  # the solution, but for work_together

BREAKS = "fetchers-work-side-by-side"
SAYS = ("one after another",)


class Crawler(Crawler):
    async def work_together(self, crew, frontier, gatekeeper, per_fetcher, on_progress=None):
        for name, fetcher in crew.items():
            try:
                await fetcher.work.remote(frontier, gatekeeper, per_fetcher)  # the mistake
            except ray.exceptions.RayActorError:
                await self.give_back(name, frontier, gatekeeper)


async def crawl(*args, **kwargs):
    return await Crawler().run(*args, **kwargs)
