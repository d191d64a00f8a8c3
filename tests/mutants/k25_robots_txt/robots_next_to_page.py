"""Mutant: robots.txt is looked up next to the page, `urljoin(url, "robots.txt")`: right for
pages at the root of a site, but a page under /private/ gets /private/robots.txt (a 404: allow
all) instead of the rules of its origin."""

import asyncio
from urllib.parse import urljoin

from solutions.k25_robots_txt.kata import *  # the solution, but for RobotsCache.rules

BREAKS = "rules-from-the-origin-root"
SAYS = ("next to the page", "robots_url(origin_of(url))")


class RobotsCache(RobotsCache):
    async def rules(self, url):
        where = urljoin(url, "robots.txt")  # the mistake: relative to the page's folder
        cached = self._rules.get(where)
        if cached is not None and self.now() < cached[1]:
            return cached[0]
        if where not in self._loading:
            self._loading[where] = asyncio.ensure_future(self._load_from(where))
        return await asyncio.shield(self._loading[where])

    async def _load_from(self, where):
        try:
            rules = rules_for(await self.fetch(where))
            self._rules[where] = (rules, self.now() + self.ttl)
            return rules
        finally:
            self._loading.pop(where, None)
