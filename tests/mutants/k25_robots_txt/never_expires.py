"""Mutant: cached for ever: the ttl is ignored, so a site that changes its robots.txt is crawled
under its old rules until the crawler restarts."""

from solutions.k25_robots_txt.kata import *  # the solution, but for RobotsCache._fresh

BREAKS = "fresh-for-ttl-from-arrival"
SAYS = ("never expires",)


class RobotsCache(RobotsCache):
    def _fresh(self, origin):
        cached = self._rules.get(origin)
        return cached[0] if cached is not None else None  # the mistake: fresh or not
