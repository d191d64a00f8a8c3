"""Mutant: any robots.txt that is not served counts as missing. A 503, a timeout or a refused
connection then means "crawl everything", exactly when the site is in trouble."""

from solutions.k25_robots_txt.kata import *  # the solution, but for rules_for
from tests.variant_tools import rebuilt

BREAKS = "unreachable-disallows-all"
SAYS = ("like a missing robots.txt",)


def rules_for(result):
    if result.ok:
        return rules_from_text(result.body or "")
    return allow_all()  # the mistake: 5xx and no answer too


class RobotsCache(RobotsCache):
    _keep = rebuilt(RobotsCache._keep, globals())  # the solution's, with the rules_for above
