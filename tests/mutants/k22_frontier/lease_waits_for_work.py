"""Mutant: with nothing queued, lease waits until something is queued. With one worker
nothing ever will be (only its own done() could queue more): it waits for ever, and
finished() is never asked."""

import asyncio

import ray

from solutions.k22_frontier.kata import *
from solutions.k22_frontier.kata import Frontier as Reference

BREAKS = "lease-never-waits"
SAYS = ("waits for work",)


class Frontier(Reference):
    async def lease(self, worker: str, n: int = 1) -> list[tuple[str, int]]:
        while not self._queue:  # the mistake: waits for work instead of answering []
            await asyncio.sleep(0.01)
        return await super().lease(worker, n)


FrontierActor = ray.remote(num_cpus=0)(Frontier)
