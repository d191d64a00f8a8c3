"""Mutant: one at a time. Each item is awaited before the next is submitted, so at most one
call is ever in flight: safe, and five times slower than it needs to be."""

from solutions.k08_bounded_fan_out.kata import *  # the solution, but for process_bounded

BREAKS = "fills-every-slot"
SAYS = ("awaiting each item before submitting the next",)


async def process_bounded(service, items, limit: int) -> list:
    return [await work.remote(service, item) for item in items]
