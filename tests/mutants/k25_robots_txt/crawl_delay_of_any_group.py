"""Mutant: reads the Crawl-delay of the '*' group, whoever asks. A robot with a group of its
own (and a longer delay there) crawls at everyone's pace."""

from solutions.k25_robots_txt.kata import *  # the solution, but for RobotsCache.crawl_delay

BREAKS = "crawl-delay-of-our-group"
SAYS = ("'*' group", "crawl_delay(self.user_agent)")


class RobotsCache(RobotsCache):
    async def crawl_delay(self, url):
        delay = (await self.rules(url)).crawl_delay("*")  # the mistake
        return None if delay is None else float(delay)
