"""Mutant: a bare asyncio.gather inside a try/except. The first failure makes gather raise at
once; the slower tasks keep running, but run_batch only keeps what had finished by then, so
their results are lost."""

import asyncio

from solutions.k07_errors_without_losing_results.kata import *  # the solution, but for run_batch

BREAKS = "no-result-lost"
SAYS = ("bare asyncio.gather",)


async def run_batch(service, items) -> tuple[dict, dict]:
    futures = {item: asyncio.ensure_future(price.remote(service, item)) for item in items}
    try:
        await asyncio.gather(*futures.values())
    except Exception:
        pass  # "the others are still in there somewhere"... only the finished ones are
    successes, failures = {}, {}
    for item, future in futures.items():
        if future.done():
            if future.exception() is not None:
                failures[item] = future.exception()
            else:
                successes[item] = future.result()
    return successes, failures
