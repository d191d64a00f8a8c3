"""Mutant: the ttl counts from when the fetch STARTED (the time is read before the await). A
slow robots.txt eats into its own ttl: the answer expires before it is ttl seconds old."""

from solutions.k25_robots_txt.kata import *  # the solution, but for RobotsCache._load

BREAKS = "fresh-for-ttl-from-arrival"
SAYS = ("from when the fetch started",)


class RobotsCache(RobotsCache):
    async def _load(self, origin):
        started = self.now()  # the mistake: read before the fetch, and the ttl counts from it
        rules = await super()._load(origin)
        self._rules[origin] = (rules, started + self.ttl)
        return rules
