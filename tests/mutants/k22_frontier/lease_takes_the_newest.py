"""Mutant: lease takes from the back of the queue (a stack): the URL queued last is fetched
first. The crawl goes depth-first, and the seeds wait behind everything found after them."""

import ray

from solutions.k22_frontier.kata import *
from solutions.k22_frontier.kata import Frontier as Reference

BREAKS = "leases-oldest-first"
SAYS = ("back of the queue",)


class Frontier(Reference):
    async def lease(self, worker: str, n: int = 1) -> list[tuple[str, int]]:
        batch = []
        while self._queue and len(batch) < n:
            batch.append(self._queue.pop())  # the mistake: the newest, not the oldest
        if batch:
            self._leases.setdefault(worker, {}).update(batch)
        return batch


FrontierActor = ray.remote(num_cpus=0)(Frontier)
