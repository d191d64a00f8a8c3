"""Mutant: outcomes taken from asyncio.as_completed, paired with `items` in their given order.
as_completed hands them back in the order the calls finished, so each outcome lands on
whichever item is next in line (found by an answer written from the README alone)."""

import asyncio

from solutions.k07_errors_without_losing_results.kata import *  # the solution, but for run_batch

BREAKS = "sorts-every-outcome"
SAYS = ("filed under the wrong items", "in the order the calls finished")


async def run_batch(service, items) -> tuple[dict, dict]:
    refs = [price.remote(service, item) for item in items]
    successes, failures = {}, {}
    for item, next_done in zip(items, asyncio.as_completed(refs), strict=True):
        try:
            successes[item] = await next_done
        except Exception as error:
            failures[item] = error
    return successes, failures
