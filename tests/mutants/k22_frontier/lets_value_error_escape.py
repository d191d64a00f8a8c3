"""Mutant: offers canonical(link) without catching its ValueError. The first mailto: link
(or broken URL) on a page makes done() raise: the page's other links are lost, and the
worker's acknowledgement fails."""

import ray

from solutions.k22_frontier.kata import *
from solutions.k22_frontier.kata import Frontier as Reference

BREAKS = "ignores-links-that-are-not-pages"
SAYS = ("ValueError", "ignore")


class Frontier(Reference):
    def _offer(self, link: str, depth: int) -> None:
        canonical(link)  # the mistake: raises for a link that is not a page
        super()._offer(link, depth)


FrontierActor = ray.remote(num_cpus=0)(Frontier)
