"""Mutant: each fetcher runs one lane, whatever per_fetcher says: every fetcher has one
request in flight at a time."""

from solutions.k26_distributed_crawl.kata import *  # the solution, but for Fetcher.work

BREAKS = "fetchers-work-side-by-side"
SAYS = ("one url at a time in each fetcher",)


@ray.remote(num_cpus=0)
class Fetcher(Fetcher.__ray_actor_class__):
    async def work(self, frontier, gatekeeper, lanes):
        return await self._lane(frontier, gatekeeper)  # the mistake: lanes ignored


class Crawler(Crawler):
    Fetcher = Fetcher


async def crawl(*args, **kwargs):
    return await Crawler().run(*args, **kwargs)
