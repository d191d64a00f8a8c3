"""Mutant: the README's 2 fetchers x 3 lanes written into the crawl instead of read from the
`fetchers` and `per_fetcher` arguments. Every crawl the tests ran used those numbers, so it
passed. (The parameter audit.)"""

from solutions.k26_distributed_crawl.kata import *  # the solution, with the numbers written in

BREAKS = "crawl-uses-its-arguments"
SAYS = ("written in",)


async def crawl(site, hits, start_url, *, options=None, **settings):
    settings.update(fetchers=2, per_fetcher=3)  # the mistake: not the arguments
    return await Crawler(options).run(site, hits, start_url, **settings)
