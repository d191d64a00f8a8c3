"""Mutant: the limit is hard-coded to 4 (the number in the task) instead of taken from
`make_gateway(limit)`. Right for limit 4, wrong for any other."""

import asyncio

import ray

from solutions.k12_limit_the_blast_radius.kata import *  # the solution, but for __init__
from solutions.k12_limit_the_blast_radius.kata import Gateway as _Solution

BREAKS = "limit-comes-from-make-gateway"
SAYS = ("hard-coded 4",)


@ray.remote(num_cpus=0)
class Gateway(_Solution.__ray_actor_class__):
    def __init__(self, limit: int):
        super().__init__(limit)
        self._slots = asyncio.Semaphore(4)


def make_gateway(limit: int):  # the solution's own would create the solution's Gateway
    return Gateway.remote(limit)
