"""Mutant: waits for robots.txt without giving the event loop back. It runs the async fetch to
the end in a helper thread's own loop and blocks on `.result()`: right answers, one fetch
per origin, but while robots.txt is fetched nothing else in the crawler runs."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from solutions.k25_robots_txt.kata import *  # the solution, but for RobotsCache._fetch_once

BREAKS = "the-loop-stays-free"
SAYS = ("froze", "Future.result()")


class RobotsCache(RobotsCache):
    async def _fetch_once(self, origin):
        with ThreadPoolExecutor(1) as pool:  # the mistake: .result() blocks this loop
            result = pool.submit(asyncio.run, self.fetch(robots_url(origin))).result()
        return self._keep(origin, result)
