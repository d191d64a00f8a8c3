"""Mutant: the cache is filled only after the fetch returns. Checks one after another are
answered from it, but every check that arrives while the first fetch is in flight finds
nothing cached and fetches robots.txt again."""

from solutions.k25_robots_txt.kata import *  # the solution, but for RobotsCache._fetch_once

BREAKS = "one-fetch-for-concurrent-checks"
SAYS = ("before the first await",)


class RobotsCache(RobotsCache):
    async def _fetch_once(self, origin):
        result = await self.fetch(robots_url(origin))  # the mistake: others run during this
        return self._keep(origin, result)
