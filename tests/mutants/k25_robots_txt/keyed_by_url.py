"""Mutant: the cache is keyed by the URL asked about, not by its origin. A URL asked twice is
answered from the cache, but every other page of a site fetches robots.txt again."""

import asyncio

from solutions.k25_robots_txt.kata import *  # the solution, but for RobotsCache.rules

BREAKS = "once-per-origin"
SAYS = ("per url", "origin_of")


class RobotsCache(RobotsCache):
    async def rules(self, url):
        cached = self._rules.get(url)  # the mistake: one entry per page
        if cached is not None and self.now() < cached[1]:
            return cached[0]
        if url not in self._loading:
            self._loading[url] = asyncio.ensure_future(self._load_for(url))
        return await asyncio.shield(self._loading[url])

    async def _load_for(self, url):
        try:
            rules = rules_for(await self.fetch(robots_url(origin_of(url))))
            self._rules[url] = (rules, self.now() + self.ttl)
            return rules
        finally:
            self._loading.pop(url, None)
