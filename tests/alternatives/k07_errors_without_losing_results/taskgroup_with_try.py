"""Alternative: a TaskGroup whose tasks each catch their own error and write into the dicts.
No task raises, so the TaskGroup never cancels the others."""

import asyncio

from solutions.k07_errors_without_losing_results.kata import *  # the solution, but for run_batch


async def run_batch(service, items) -> tuple[dict, dict]:
    successes, failures = {}, {}

    async def price_one(item):
        try:
            successes[item] = await price.remote(service, item)
        except Exception as error:
            failures[item] = error

    async with asyncio.TaskGroup() as group:
        for item in items:
            group.create_task(price_one(item))
    return successes, failures
