"""Mutant: max_depth and max_pages handed to FrontierActor in the wrong order. Every crawl
the tests ran had limits that never took effect (50 and 100,000), so the swap passed. (The
parameter audit.)"""

from solutions.k26_distributed_crawl.kata import *  # the solution, but for start_frontier

BREAKS = "crawl-uses-its-arguments"
SAYS = ("wrong order",)


class Crawler(Crawler):
    def start_frontier(self, starts, domains, max_depth, max_pages, *rest):
        # the mistake: max_pages where max_depth goes, and the other way round
        return super().start_frontier(starts, domains, max_pages, max_depth, *rest)


async def crawl(*args, **kwargs):
    return await Crawler().run(*args, **kwargs)
