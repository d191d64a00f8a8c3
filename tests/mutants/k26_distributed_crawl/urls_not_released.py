"""Mutant: when a fetcher dies, the origins it held in the gate are freed, but its leased URLs
are not given back: the frontier counts them as leased for ever, finished() never comes, and
the other fetchers wait for work that never arrives."""

from solutions.k26_distributed_crawl.kata import *  # the solution, but for give_back

BREAKS = "dead-fetchers-urls-go-back"
SAYS = ("frontier.release_worker", "never given back")


class Crawler(Crawler):
    async def give_back(self, name, frontier, gatekeeper):
        await gatekeeper.release_worker.remote(name)  # the mistake: the leases stay


async def crawl(*args, **kwargs):
    return await Crawler().run(*args, **kwargs)
