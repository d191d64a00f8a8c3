"""Mutant: "safe" by serialising everything: an asyncio.Semaphore(1). The upstream never
sees more than one call, but 50 calls queue behind one when 4 were allowed."""

import asyncio

import ray

from solutions.k12_limit_the_blast_radius import kata as solution
from solutions.k12_limit_the_blast_radius.kata import *  # the solution, but for __init__
from solutions.k12_limit_the_blast_radius.kata import Gateway as _Solution
from tests.variant_tools import rebuilt

BREAKS = "uses-the-whole-limit"
SAYS = ("a limit of 1 instead of 4",)


@ray.remote(num_cpus=0)
class Gateway(_Solution.__ray_actor_class__):
    def __init__(self, limit: int):
        super().__init__(limit)
        self._slots = asyncio.Semaphore(1)  # the mistake: 1, not the limit asked for


make_gateway = rebuilt(solution.make_gateway, globals())  # it makes the Gateway above
