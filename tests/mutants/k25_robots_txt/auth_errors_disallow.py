"""Mutant: 401 and 403 mean "disallow all" (what urllib.robotparser's own read() does, and
what crawlers did before RFC 9309). The RFC calls every 4xx "unavailable": allow all."""

from solutions.k25_robots_txt import kata as solution
from solutions.k25_robots_txt.kata import *  # the solution, but for rules_for
from tests.variant_tools import rebuilt

BREAKS = "missing-allows-all"
SAYS = ("401 and 403", "any 4xx")


def rules_for(result):
    if result.status in (401, 403):  # the mistake
        return disallow_all()
    return solution.rules_for(result)


class RobotsCache(RobotsCache):
    _keep = rebuilt(RobotsCache._keep, globals())  # the solution's, with the rules_for above
