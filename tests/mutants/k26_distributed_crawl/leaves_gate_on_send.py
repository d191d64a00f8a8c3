"""Mutant: a fetcher leaves the politeness gate as soon as its request is sent, not when the
answer is in. The gate still spaces the STARTS `delay` apart, but when a page takes longer
than `delay` to answer, the next request to that host goes out while it is still on its way."""

from solutions.k26_distributed_crawl.kata import *  # the solution, but for Fetcher._visit

BREAKS = "gate-held-until-the-answer"
SAYS = ("before the answer is in",)


@ray.remote(num_cpus=0)
class Fetcher(Fetcher.__ray_actor_class__):
    async def _visit(self, url, gatekeeper):
        start_at = await gatekeeper.permit.remote(self.name, url)
        if start_at is None:
            return Visit.skipped(url, "robots")
        await asyncio.sleep(max(0.0, start_at - time.time()))
        await gatekeeper.leave.remote(self.name, url, time.time())  # the mistake: too soon
        return digest(await self.get(url))


class Crawler(Crawler):
    Fetcher = Fetcher


async def crawl(*args, **kwargs):
    return await Crawler().run(*args, **kwargs)
