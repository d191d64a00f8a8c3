"""Alternative: an asyncio.Lock per origin. The first caller takes the lock and fetches;
the others queue on the lock and, once they hold it, look in the cache again and find the
answer. A cancelled holder releases the lock and the next one fetches. (All in one event
loop, so plain asyncio locks are safe.)"""

import asyncio
from collections import defaultdict

from solutions.k25_robots_txt.kata import *  # the solution, but for RobotsCache.rules


class RobotsCache(RobotsCache):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def rules(self, url):
        origin = origin_of(url)
        rules = self._fresh(origin)
        if rules is not None:
            return rules
        async with self._locks[origin]:
            rules = self._fresh(origin)  # filled while we waited for the lock?
            if rules is None:
                rules = rules_for(await self.fetch(robots_url(origin)))
                self._rules[origin] = (rules, self.now() + self.ttl)
            return rules
