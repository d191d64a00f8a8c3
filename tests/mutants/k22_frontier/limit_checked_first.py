"""Mutant: checks the page limit before the other checks. It accepts the same URLs, but once
max_pages is reached every link offered counts as refused by the limit: one already accepted
(which is only to be ignored) and one too deep (skipped_by_depth) alike."""

import ray

from solutions.k22_frontier.kata import *
from solutions.k22_frontier.kata import Frontier as Reference

BREAKS = "page-limit-counts-accepted-urls"
SAYS = ("page limit checked before the other checks",)


class Frontier(Reference):
    def _accept(self, url: str, depth: int) -> None:
        if self._full():  # the mistake: the limit first
            self._skipped_by_limit += 1
            return
        super()._accept(url, depth)


FrontierActor = ray.remote(num_cpus=0)(Frontier)
