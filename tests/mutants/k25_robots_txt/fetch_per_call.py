"""Mutant: no cache at all. Every check fetches the origin's robots.txt again: right answers, but
one extra request per page crawled, on every host."""

from solutions.k25_robots_txt.kata import *  # the solution, but for RobotsCache.rules

BREAKS = "once-per-origin"
SAYS = ("at every check",)


class RobotsCache(RobotsCache):
    async def rules(self, url):
        return rules_for(await self.fetch(robots_url(origin_of(url))))  # the mistake
