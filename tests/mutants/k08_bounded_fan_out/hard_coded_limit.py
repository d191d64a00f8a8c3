"""Mutant: a semaphore of 5, written as a number instead of the `limit` argument. With a limit
of 5 it looks perfect; with any other limit it lets the wrong number of tasks run."""

from solutions.k08_bounded_fan_out import kata as solution
from solutions.k08_bounded_fan_out.kata import *  # the solution, but for process_bounded

BREAKS = "never-more-than-limit"
SAYS = ("hard-coded",)


async def process_bounded(service, items, limit: int) -> list:
    return await solution.process_bounded(service, items, 5)  # the mistake: 5, not `limit`
