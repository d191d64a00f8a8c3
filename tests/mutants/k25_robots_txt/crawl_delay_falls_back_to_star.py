"""Mutant: reads our own group's Crawl-delay, but when that group sets none, takes the '*'
group's instead. A robot with a group of its own obeys that group alone: EagerBot's group
says nothing about a delay, so its delay is None, not everyone's 2 s."""

from solutions.k25_robots_txt.kata import *  # the solution, but for RobotsCache.crawl_delay

BREAKS = "crawl-delay-of-our-group"
SAYS = ("falling back to the '*' group", "crawl_delay(self.user_agent)")


class RobotsCache(RobotsCache):
    async def crawl_delay(self, url):
        rules = await self.rules(url)
        delay = rules.crawl_delay(self.user_agent)
        if delay is None:
            delay = rules.crawl_delay("*")  # the mistake: our group sets none, so use '*'?
        return None if delay is None else float(delay)
