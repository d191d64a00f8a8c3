"""Alternative: the same gather, but a failure keeps the original exception Ray carried
back (`RayTaskError.cause`) instead of the RayTaskError itself. The README allows either:
both are instances of the type the task raised."""

import asyncio

import ray

from solutions.k07_errors_without_losing_results.kata import *  # the solution, but for run_batch


async def run_batch(service, items) -> tuple[dict, dict]:
    outcomes = await asyncio.gather(
        *(price.remote(service, i) for i in items), return_exceptions=True
    )
    successes, failures = {}, {}
    for item, outcome in zip(items, outcomes, strict=True):
        if isinstance(outcome, ray.exceptions.RayTaskError) and outcome.cause is not None:
            failures[item] = outcome.cause
        elif isinstance(outcome, Exception):
            failures[item] = outcome
        else:
            successes[item] = outcome
    return successes, failures
