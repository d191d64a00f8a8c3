"""Mutant: a link refused as too deep is remembered for good, so the same URL offered later
by a shorter path, at an allowed depth, is ignored as a duplicate: a page within max_depth is
never crawled. (Kept apart from `seen`, so every count still adds up.)"""

import ray

from solutions.k22_frontier.kata import *
from solutions.k22_frontier.kata import Frontier as Reference

BREAKS = "a-too-deep-link-may-come-back"
SAYS = ("remembered", "too deep")


class Frontier(Reference):
    def __init__(self, seeds: list[str], max_depth: int, max_pages: int):
        self._too_deep: set[str] = set()
        super().__init__(seeds, max_depth, max_pages)

    def _accept(self, url: str, depth: int) -> None:
        if url in self._too_deep:  # the mistake: refused once, ignored for ever
            return
        if depth > self.max_depth and url not in self._seen:
            self._too_deep.add(url)
        super()._accept(url, depth)


FrontierActor = ray.remote(num_cpus=0)(Frontier)
