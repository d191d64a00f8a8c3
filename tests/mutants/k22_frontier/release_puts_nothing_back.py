"""Mutant: release_worker finds nothing to put back (as if lease had not kept track of which
worker holds which URL). A crashed worker's URLs are lost, never fetched, and the crawl never
finishes."""

import ray

from solutions.k22_frontier.kata import *
from solutions.k22_frontier.kata import Frontier as Reference

BREAKS = "release-requeues-the-leases"
SAYS = ("none of w1's URLs",)


class Frontier(Reference):
    async def release_worker(self, worker: str) -> int:
        return 0  # the mistake: the worker's URLs stay leased to a dead worker


FrontierActor = ray.remote(num_cpus=0)(Frontier)
