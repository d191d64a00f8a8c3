"""Mutant: gather(..., return_exceptions=True), then everything goes into successes. The
exceptions sit in the results list like any other value and nobody sorts them out."""

import asyncio

from solutions.k07_errors_without_losing_results.kata import *  # the solution, but for run_batch

BREAKS = "sorts-every-outcome"
SAYS = ("but its task raised", "isinstance(outcome, Exception)")


async def run_batch(service, items) -> tuple[dict, dict]:
    outcomes = await asyncio.gather(
        *[price.remote(service, item) for item in items], return_exceptions=True
    )
    return dict(zip(items, outcomes)), {}
