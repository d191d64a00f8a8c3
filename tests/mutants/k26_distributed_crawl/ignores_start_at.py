"""Mutant: a fetcher takes its turn at the gate but does not wait until the time the gate
gives: the next request to a host goes out the moment the previous answer is in, not `delay`
seconds later."""

from solutions.k26_distributed_crawl.kata import *  # the solution, but for Fetcher._visit

BREAKS = "gate-held-until-the-answer"
SAYS = ("not waiting until the time the gate gives",)


@ray.remote(num_cpus=0)
class Fetcher(Fetcher.__ray_actor_class__):
    async def _visit(self, url, gatekeeper):
        if await gatekeeper.permit.remote(self.name, url) is None:
            return Visit.skipped(url, "robots")
        try:
            result = await self.get(url)  # the mistake: no sleep until start_at
        finally:
            await gatekeeper.leave.remote(self.name, url, time.time())
        return digest(result)


class Crawler(Crawler):
    Fetcher = Fetcher


async def crawl(*args, **kwargs):
    return await Crawler().run(*args, **kwargs)
