"""Mutant: when a fetcher dies, its leased URLs go back to the queue, but the origins it held
in the politeness gate stay held: every later request to that host waits for ever."""

from solutions.k26_distributed_crawl.kata import *  # the solution, but for give_back

BREAKS = "dead-fetchers-origins-freed"
SAYS = ("politeness gate was never freed",)


class Crawler(Crawler):
    async def give_back(self, name, frontier, gatekeeper):
        await frontier.release_worker.remote(name)  # the mistake: its origins stay held


async def crawl(*args, **kwargs):
    return await Crawler().run(*args, **kwargs)
