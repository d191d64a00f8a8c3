"""Mutant: any robots.txt that is not served counts as missing. A 503, a timeout or a refused
connection then means "crawl everything", exactly when the site is in trouble."""

from solutions.k25_robots_txt.kata import *  # the solution, but for rules_for

BREAKS = "unreachable-disallows-all"
SAYS = ("like a missing robots.txt",)


def rules_for(result):
    if result.ok:
        return rules_from_text(result.body or "")
    return allow_all()  # the mistake: 5xx and no answer too


class RobotsCache(RobotsCache):
    async def _load(self, origin):
        try:
            rules = rules_for(await self.fetch(robots_url(origin)))  # this module's rules_for
            self._rules[origin] = (rules, self.now() + self.ttl)
            return rules
        finally:
            self._loading.pop(origin, None)
