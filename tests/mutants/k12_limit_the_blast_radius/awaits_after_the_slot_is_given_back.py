"""Mutant: one semaphore, made in __init__, but the upstream call is only created inside the
`async with` block and awaited after it: every slot is given back before its call runs, so
nothing is limited."""

import asyncio

import ray

from solutions.k12_limit_the_blast_radius.kata import *  # the solution, but for Gateway

BREAKS = "never-more-than-limit"
SAYS = ("awaited after the `async with` block",)


@ray.remote(num_cpus=0)
class Gateway:
    def __init__(self, limit: int):
        self.slots = asyncio.Semaphore(limit)

    async def fetch(self, service, item):
        async with self.slots:
            call = service.acall(item)
        return await call


def make_gateway(limit: int):
    return Gateway.remote(limit)
