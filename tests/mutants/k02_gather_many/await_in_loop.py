"""Mutant: `await` inside the loop that starts the tasks. Each task starts only after the
previous one has finished, so the calls run one after another instead of all at once."""

from solutions.k02_gather_many.kata import *  # the solution, but for lookup_all

BREAKS = "all-in-flight-at-once"
SAYS = ("one after another", "inside the loop")


async def lookup_all(service, items) -> list:
    results = []
    for item in items:
        results.append(await lookup.remote(service, item))
    return results
