"""Mutant: with nothing queued, lease gives work a second to arrive with time.sleep, then
answers []. In the actor that freezes its event loop: every other fetcher's call waits."""

import time

import ray

from solutions.k22_frontier.kata import *
from solutions.k22_frontier.kata import Frontier as Reference

BREAKS = "lease-never-waits"
SAYS = ("time.sleep", "froze")


class Frontier(Reference):
    async def lease(self, worker: str, n: int = 1) -> list[tuple[str, int]]:
        if not self._queue:
            time.sleep(1.5)  # the mistake: a blocking wait on the actor's only thread
        return await super().lease(worker, n)


FrontierActor = ray.remote(num_cpus=0)(Frontier)
