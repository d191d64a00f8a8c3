"""Mutant: only answers that could be read are cached; a 5xx or a timeout is "transient" and
asked again at the next check. A failing server is hammered with one robots.txt request per
page, and the first time it answers, everything it was failing for goes ahead."""

from solutions.k25_robots_txt.kata import *  # the solution, but for RobotsCache._keep

BREAKS = "failures-are-cached"
SAYS = ("caching only the answers that could be read",)


class RobotsCache(RobotsCache):
    def _keep(self, origin, result):
        if result.error is None and result.status < 500:
            return super()._keep(origin, result)
        return rules_for(result)  # the mistake: not cached
