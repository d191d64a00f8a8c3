"""Mutant: a URL robots.txt forbids is reported as a failure ("robots"), not as skipped. The
books still balance, but the report says the crawl failed on pages it never requested."""

from dojo.crawl.report import FAILED, Outcome
from solutions.k26_distributed_crawl.kata import *  # the solution, but for Fetcher._visit

BREAKS = "robots-skips-reported-skipped"
SAYS = ("visit.skipped(url, 'robots')",)


@ray.remote(num_cpus=0)
class Fetcher(Fetcher.__ray_actor_class__):
    async def _visit(self, url, gatekeeper):
        visit = await super()._visit(url, gatekeeper)
        if visit.outcome.reason == "robots":
            return Visit(url, Outcome(FAILED, "robots"))  # the mistake
        return visit


class Crawler(Crawler):
    Fetcher = Fetcher


async def crawl(*args, **kwargs):
    return await Crawler().run(*args, **kwargs)
