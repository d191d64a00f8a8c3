"""Mutant: the ttl counts from when the fetch STARTED (the time is read before the await). A
slow robots.txt eats into its own ttl: the answer expires before it is ttl seconds old."""

from solutions.k25_robots_txt.kata import *  # the solution, but for RobotsCache._load

BREAKS = "fresh-for-ttl-from-arrival"
SAYS = ("from when the fetch started",)


class RobotsCache(RobotsCache):
    async def _load(self, origin):
        expires = self.now() + self.ttl  # the mistake: before the fetch
        try:
            rules = rules_for(await self.fetch(robots_url(origin)))
            self._rules[origin] = (rules, expires)
            return rules
        finally:
            self._loading.pop(origin, None)
