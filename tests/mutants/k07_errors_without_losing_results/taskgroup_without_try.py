"""Mutant: a TaskGroup whose tasks do not catch their errors. The first task that raises
makes the group cancel all the others and raise an ExceptionGroup: every slower result is
lost, and the caller gets an exception instead of the two dicts."""

import asyncio

from solutions.k07_errors_without_losing_results.kata import *  # the solution, but for run_batch

BREAKS = "no-result-lost"
SAYS = ("TaskGroup", "ExceptionGroup")


async def run_batch(service, items) -> tuple[dict, dict]:
    async def price_one(item):
        return await price.remote(service, item)

    async with asyncio.TaskGroup() as group:
        tasks = {item: group.create_task(price_one(item)) for item in items}
    return {item: task.result() for item, task in tasks.items()}, {}
