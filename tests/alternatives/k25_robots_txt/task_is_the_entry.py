"""Alternative: the cache entry IS the fetch task. An origin maps to (task, expiry); the expiry is
stamped by a done-callback when the answer arrives (infinite while it is in flight), and
every caller awaits the task through asyncio.shield, finished or not. A fetch that raises
(which the given fetch_page never does) counts as unreachable: disallow all, cached."""

import asyncio

from solutions.k25_robots_txt.kata import *  # the solution, but for RobotsCache.rules


class RobotsCache(RobotsCache):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._entries: dict[str, list] = {}  # origin -> [task, expires at]

    async def _fetch_rules(self, origin):
        try:
            result = await self.fetch(robots_url(origin))
        except Exception:  # a fetch that raises (the README leaves it open): unreachable
            return disallow_all()
        return rules_for(result)

    def _landed(self, origin, entry, task):
        if task.cancelled() or task.exception() is not None:
            if self._entries.get(origin) is entry:
                del self._entries[origin]  # nothing to keep: the next caller tries again
        else:
            entry[1] = self.now() + self.ttl

    async def rules(self, url):
        origin = origin_of(url)
        entry = self._entries.get(origin)
        if entry is None or self.now() >= entry[1]:
            task = asyncio.ensure_future(self._fetch_rules(origin))
            entry = [task, float("inf")]
            self._entries[origin] = entry
            task.add_done_callback(lambda t, e=entry: self._landed(origin, e, t))
        return await asyncio.shield(entry[0])
