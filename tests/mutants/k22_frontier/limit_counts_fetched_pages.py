"""Mutant: max_pages is checked against the pages fetched so far, not against the URLs ever
accepted. By the time enough pages are fetched, far more are queued, and all of them are
leased."""

import ray

from solutions.k22_frontier.kata import *
from solutions.k22_frontier.kata import Frontier as Reference

BREAKS = "page-limit-counts-accepted-urls"
SAYS = ("accepted", "fetched")


class Frontier(Reference):
    def _full(self) -> bool:
        return self._done >= self.max_pages  # the mistake: counts the pages fetched


FrontierActor = ray.remote(num_cpus=0)(Frontier)
