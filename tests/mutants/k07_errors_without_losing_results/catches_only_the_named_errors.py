"""Mutant: a try/except per item that catches only the two errors the README names. Every
item starts at once and nothing named is lost, but when the service fails in any other way
(it hangs up: ConnectionError) that error escapes run_batch and the whole batch is gone."""

import asyncio

from dojo.harness.sim import OutOfStock, PriceNotFound
from solutions.k07_errors_without_losing_results.kata import *  # the solution, but for run_batch

BREAKS = "keeps-every-kind-of-error"
SAYS = ("catching only OutOfStock and PriceNotFound",)


async def run_batch(service, items) -> tuple[dict, dict]:
    successes, failures = {}, {}

    async def price_one(item):
        try:
            successes[item] = await price.remote(service, item)
        except (OutOfStock, PriceNotFound) as error:
            failures[item] = error

    await asyncio.gather(*(price_one(item) for item in items))
    return successes, failures
