"""Mutant: the fetch runs as a Task of its own, but every caller awaits it directly, without
asyncio.shield. Cancelling one caller cancels the Task, and with it every other caller."""

import asyncio

from solutions.k25_robots_txt.kata import *  # the solution, but for RobotsCache._fetch_once

BREAKS = "a-cancelled-caller-strands-nobody"
SAYS = ("asyncio.shield", "ended cancelled too")


class RobotsCache(RobotsCache):
    async def _fetch_once(self, origin):
        if origin not in self._loading:
            self._loading[origin] = asyncio.ensure_future(self._load(origin))
        return await self._loading[origin]  # the mistake: no shield
