"""Alternative: one small coroutine per item catches its own error and says which item it
was; asyncio.as_completed collects them as they finish. Nothing can escape, so nothing is
lost."""

import asyncio

from solutions.k07_errors_without_losing_results.kata import *  # the solution, but for run_batch


async def _price_one(service, item):
    try:
        return item, await price.remote(service, item), None
    except Exception as error:
        return item, None, error


async def run_batch(service, items) -> tuple[dict, dict]:
    successes, failures = {}, {}
    for next_done in asyncio.as_completed([_price_one(service, item) for item in items]):
        item, result, error = await next_done
        if error is None:
            successes[item] = result
        else:
            failures[item] = error
    return successes, failures
