"""Mutant: asks the rules for the '*' group instead of our user agent. A robot named in
robots.txt (BadBot on h0) is answered as if it were anyone."""

from solutions.k25_robots_txt.kata import *  # the solution, but for RobotsCache.allowed

BREAKS = "obeys-its-own-group"
SAYS = ("can_fetch(self.user_agent, url)",)


class RobotsCache(RobotsCache):
    async def allowed(self, url):
        return (await self.rules(url)).can_fetch("*", url)  # the mistake
