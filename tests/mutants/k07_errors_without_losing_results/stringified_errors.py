"""Mutant: every result is kept, but each error is flattened into RuntimeError(str(e)). The
text survives; the type does not, so `except OutOfStock` no longer catches it."""

import asyncio

from solutions.k07_errors_without_losing_results.kata import *  # the solution, but for run_batch

BREAKS = "keeps-the-exception-as-raised"
SAYS = ("stringify",)


async def run_batch(service, items) -> tuple[dict, dict]:
    outcomes = await asyncio.gather(
        *[price.remote(service, item) for item in items], return_exceptions=True
    )
    successes, failures = {}, {}
    for item, outcome in zip(items, outcomes):
        if isinstance(outcome, Exception):
            failures[item] = RuntimeError(str(outcome))
        else:
            successes[item] = outcome
    return successes, failures
