"""Mutant: refuses a link whose depth EQUALS max_depth (`>=` for `>`). With max_depth=2 the
crawl stops at depth 1: a whole level of the site is missing."""

import ray

from solutions.k22_frontier.kata import *
from solutions.k22_frontier.kata import Frontier as Reference

BREAKS = "depth-limit"
SAYS = ("equal to max_depth",)


class Frontier(Reference):
    def _offer(self, link: str, depth: int) -> None:
        if depth >= self.max_depth:  # the mistake: a depth of max_depth is refused too
            self._skipped_by_depth += 1
            return
        super()._offer(link, depth)


FrontierActor = ray.remote(num_cpus=0)(Frontier)
