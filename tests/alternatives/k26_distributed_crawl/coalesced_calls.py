"""Alternative: `dojo crawl`'s lanes, two actor calls per page instead of four. A lane tells
the frontier what became of its page together with its next lease, and gives its origin's
slot back together with its next permit (at once when nothing is queued). Kata 26's tests
hold the crawler `dojo crawl` runs to the kata's rules in this mode too."""

import dataclasses

from solutions.k26_distributed_crawl.kata import *  # the solution, but for its lanes


async def crawl(site, hits, start_url, *, options=None, **settings):
    coalesced = dataclasses.replace(options or CrawlOptions(), coalesce=True)
    return await Crawler(coalesced).run(site, hits, start_url, **settings)
