"""Hang: release_worker awaits an asyncio future that nobody ever resolves. Everything else
is the reference frontier, so only the tests that call release_worker hang."""

import asyncio

import ray

from solutions.k22_frontier.kata import Frontier as _Reference
from solutions.k22_frontier.kata import canonical

__all__ = ["Frontier", "FrontierActor", "canonical"]


class Frontier(_Reference):
    async def release_worker(self, worker: str) -> int:
        # "Wait until the worker's fetch is really over" -- but nothing ever sets the result.
        await asyncio.get_running_loop().create_future()
        return await super().release_worker(worker)


FrontierActor = ray.remote(num_cpus=0)(Frontier)
