"""Mutant: a lane waits on an empty lease only until it has fetched something; after that, the
first empty lease ends it (written from the README alone, it passed every test before the dry
site). At the start it waits for the slow start page as it should, but when the queue runs
dry in the middle of a crawl, the lanes that worked quit, and the pages found later are
fetched by the few lanes left."""

from solutions.k26_distributed_crawl.kata import *  # the solution, but for _lane

BREAKS = "an-empty-lease-is-not-the-end"
SAYS = ("lease() comes back empty once they have done some work",)


@ray.remote(num_cpus=0)
class Fetcher(Fetcher.__ray_actor_class__):
    async def _lane(self, frontier, gatekeeper):
        visits = 0
        while True:
            batch = await frontier.lease.remote(self.name, 1)
            if not batch:
                if visits or await self._crawl_is_over(frontier):  # the mistake: `visits or`
                    return visits
                continue
            [(url, _depth)] = batch
            visit = await self._visit(url, gatekeeper)
            await frontier.done.remote(self.name, visit)
            visits += 1


class Crawler(Crawler):
    Fetcher = Fetcher


async def crawl(*args, **kwargs):
    return await Crawler().run(*args, **kwargs)
