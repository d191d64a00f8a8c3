"""Mutant: finished() is True as soon as the queue is empty. But a worker may still be
fetching the last page, and its links arrive after: a crawl that stops there loses them."""

import ray

from solutions.k22_frontier.kata import *
from solutions.k22_frontier.kata import Frontier as Reference

BREAKS = "finished-only-when-nothing-is-leased"
SAYS = ("in flight",)


class Frontier(Reference):
    async def finished(self) -> bool:
        return not self._queue  # the mistake: the URLs in flight are forgotten


FrontierActor = ray.remote(num_cpus=0)(Frontier)
