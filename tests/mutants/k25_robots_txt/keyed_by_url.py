"""Mutant: the cache is keyed by the URL asked about, not by its origin. A URL asked twice is
answered from the cache, but every other page of a site fetches robots.txt again."""

from solutions.k25_robots_txt.kata import *  # the solution, but for RobotsCache.rules, _load

BREAKS = "once-per-origin"
SAYS = ("per url", "origin_of")


class RobotsCache(RobotsCache):
    async def rules(self, url):
        fresh = self._fresh(url)  # the mistake: one entry per page, not per origin
        return fresh if fresh is not None else await self._fetch_once(url)

    async def _load(self, url):  # a page's URL here, where the solution has an origin
        try:
            return self._keep(url, await self.fetch(robots_url(origin_of(url))))
        finally:
            self._loading.pop(url, None)
