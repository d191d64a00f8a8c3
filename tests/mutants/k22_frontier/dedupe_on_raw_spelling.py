"""Mutant: dedupes links as written, without canonical(). http://a.test/page,
HTTP://A.TEST/page and http://a.test:80/page#top are one page, leased three times."""

import ray

from solutions.k22_frontier.kata import *
from solutions.k22_frontier.kata import Frontier as Reference

BREAKS = "dedupes-canonical-urls"
SAYS = ("canonical",)


class Frontier(Reference):
    def _offer(self, link: str, depth: int) -> None:
        try:
            canonical(link)
        except ValueError:
            return
        self._accept(link, depth)  # the mistake: the link as written, not its canonical form


FrontierActor = ray.remote(num_cpus=0)(Frontier)
