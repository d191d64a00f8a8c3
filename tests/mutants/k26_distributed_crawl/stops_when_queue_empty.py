"""Mutant: a lane stops as soon as lease() comes back empty. At the start only the start page
is queued, and while it is being fetched every other lane finds nothing and quits: one lane
then crawls the whole site alone, one request at a time."""

from solutions.k26_distributed_crawl.kata import *  # the solution, but for _crawl_is_over

BREAKS = "an-empty-lease-is-not-the-end"
SAYS = ("lease() comes back empty",)


@ray.remote(num_cpus=0)
class Fetcher(Fetcher.__ray_actor_class__):
    async def _crawl_is_over(self, frontier):
        return True  # the mistake: nothing queued now is not finished


class Crawler(Crawler):
    Fetcher = Fetcher


async def crawl(*args, **kwargs):
    return await Crawler().run(*args, **kwargs)
