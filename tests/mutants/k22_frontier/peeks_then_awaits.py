"""Mutant: lease copies the front of the queue, awaits (say, to log the lease), then pops
that many. Between the copy and the pop, other lease calls run on the actor's event loop and
copy the same URLs: one URL goes to several workers, and others are popped unseen."""

import asyncio
import itertools

import ray

from solutions.k22_frontier.kata import *
from solutions.k22_frontier.kata import Frontier as Reference

BREAKS = "no-await-inside-a-call"
SAYS = ("await",)


class Frontier(Reference):
    async def lease(self, worker: str, n: int = 1) -> list[tuple[str, int]]:
        batch = list(itertools.islice(self._queue, n))
        await asyncio.sleep(0)  # the mistake: other calls run here and see the same front
        for _ in batch:
            if self._queue:
                self._queue.popleft()
        if batch:
            self._leases.setdefault(worker, {}).update(batch)
        return batch


FrontierActor = ray.remote(num_cpus=0)(Frontier)
