"""Mutant: starts every task and returns the list of ObjectRefs, never awaiting them. The
calls all run, but the caller gets tickets instead of results."""

from solutions.k02_gather_many.kata import *  # the solution, but for lookup_all

BREAKS = "returns-the-results"
SAYS = ("ObjectRefs", "never awaited")


async def lookup_all(service, items) -> list:
    return [lookup.remote(service, item) for item in items]
