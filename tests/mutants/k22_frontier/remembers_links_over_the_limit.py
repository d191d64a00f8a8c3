"""Mutant: adds a URL to `seen` before the max_pages check. The limit still holds, but every
link refused by it is remembered and counted: `seen` is no longer queued + in_flight + done,
and the stats report pages the crawl never accepted."""

import ray

from solutions.k22_frontier.kata import *
from solutions.k22_frontier.kata import Frontier as Reference

BREAKS = "seen-counts-only-accepted-urls"
SAYS = ("seen", "remembered")


class Frontier(Reference):
    def _accept(self, url: str, depth: int) -> None:
        refused_by_the_limit = url not in self._seen and depth <= self.max_depth and self._full()
        super()._accept(url, depth)
        if refused_by_the_limit:
            self._seen.add(url)  # the mistake: remembered although refused


FrontierActor = ray.remote(num_cpus=0)(Frontier)
