"""Mutant: asyncio.wait(..., return_when=FIRST_EXCEPTION), then only what is done is sorted.
It returns as soon as one call fails: the calls still running are never heard from (found by
an answer written from the README alone; it was told "a bare asyncio.gather raises")."""

import asyncio

from solutions.k07_errors_without_losing_results.kata import *  # the solution, but for run_batch

BREAKS = "no-result-lost"
SAYS = ("FIRST_EXCEPTION",)


async def run_batch(service, items) -> tuple[dict, dict]:
    tasks = {asyncio.ensure_future(price.remote(service, item)): item for item in items}
    successes, failures = {}, {}
    done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    for task in done:
        if task.exception() is not None:
            failures[tasks[task]] = task.exception()
        else:
            successes[tasks[task]] = task.result()
    return successes, failures
