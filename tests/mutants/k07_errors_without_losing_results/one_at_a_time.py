"""Mutant: a try/except around each await, but inside the loop that starts the tasks. Nothing
is lost, yet each call starts only after the previous one has finished."""

from solutions.k07_errors_without_losing_results.kata import *  # the solution, but for run_batch

BREAKS = "all-at-once"
SAYS = ("start every task first",)


async def run_batch(service, items) -> tuple[dict, dict]:
    successes, failures = {}, {}
    for item in items:
        try:
            successes[item] = await price.remote(service, item)
        except Exception as error:
            failures[item] = error
    return successes, failures
