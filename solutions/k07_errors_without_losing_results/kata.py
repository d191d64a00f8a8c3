"""Kata 07 · Errors without losing results: reference solution."""

import asyncio

from katas.k07_errors_without_losing_results.kata import price  # given: the remote task


async def run_batch(service, items) -> tuple[dict, dict]:
    """Price every item concurrently. Return (successes, failures): successes maps
    item -> result, failures maps item -> the exception its task raised."""
    # All tasks start before we wait on any, so they run together. return_exceptions=True
    # turns a failed ref into its exception *in the results list*, at its item's position,
    # instead of raising the first one and leaving the other results behind. The exception
    # is Ray's RayTaskError(OutOfStock): both a RayTaskError and an OutOfStock, so we keep
    # it as it is and callers can still `except OutOfStock`.
    refs = [price.remote(service, item) for item in items]
    outcomes = await asyncio.gather(*refs, return_exceptions=True)
    successes, failures = {}, {}
    for item, outcome in zip(items, outcomes, strict=True):
        if isinstance(outcome, Exception):
            failures[item] = outcome
        else:
            successes[item] = outcome
    return successes, failures
