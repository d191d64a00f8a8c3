"""Mutant: gather(..., return_exceptions=True), then sorts by the two error types the README
names. Any other exception a task raised (the service hung up: ConnectionError) lands in
successes, as if it were a price."""

import asyncio

from dojo.harness.sim import OutOfStock, PriceNotFound
from solutions.k07_errors_without_losing_results.kata import *  # the solution, but for run_batch

BREAKS = "keeps-every-kind-of-error"
SAYS = ("sorting only OutOfStock and PriceNotFound",)


async def run_batch(service, items) -> tuple[dict, dict]:
    outcomes = await asyncio.gather(
        *[price.remote(service, item) for item in items], return_exceptions=True
    )
    successes, failures = {}, {}
    for item, outcome in zip(items, outcomes, strict=True):
        if isinstance(outcome, (OutOfStock, PriceNotFound)):
            failures[item] = outcome
        else:
            successes[item] = outcome
    return successes, failures
