"""Mutant: the gatekeeper only spaces requests; it never asks robots.txt. Every page is
fetched, the ones robots.txt forbids too."""

from solutions.k26_distributed_crawl.kata import *  # the solution, but for Gatekeeper.permit

BREAKS = "robots-txt-obeyed"
SAYS = ("without asking the robots.txt rules",)


@ray.remote(num_cpus=0)
class Gatekeeper(Gatekeeper.__ray_actor_class__):
    async def permit(self, worker, url):
        return await self.gate.enter(origin_of(url), worker)  # the mistake: no robots check


class Crawler(Crawler):
    Gatekeeper = Gatekeeper


async def crawl(*args, **kwargs):
    return await Crawler().run(*args, **kwargs)
