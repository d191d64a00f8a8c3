"""Mutant: the first caller creates a Future, fetches, then resolves it; the others await the
Future. When that first caller is cancelled during the fetch, nobody ever resolves it, and
every other caller waits for ever."""

import asyncio

from solutions.k25_robots_txt.kata import *  # the solution, but for RobotsCache._fetch_once

BREAKS = "a-cancelled-caller-strands-nobody"
SAYS = ("cancelled with it", "never resolved")


class RobotsCache(RobotsCache):
    async def _fetch_once(self, origin):
        loading = self._loading.get(origin)
        if loading is not None:
            return await loading
        loading = asyncio.get_running_loop().create_future()
        self._loading[origin] = loading
        result = await self.fetch(robots_url(origin))  # the mistake: cancelled here, ...
        rules = self._keep(origin, result)
        del self._loading[origin]
        loading.set_result(rules)  # ... this never runs, and the others wait for ever
        return rules
