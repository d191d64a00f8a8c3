"""Mutant: `ray.wait(refs, num_returns=len(refs))` to let every task finish, then the refs
are awaited one by one (they are ready, so that is instant). The ray.wait blocks the whole
thread while the batch runs: the event loop freezes for the slowest item."""

import ray

from solutions.k07_errors_without_losing_results.kata import *  # the solution, but for run_batch

BREAKS = "keeps-the-loop-free"
SAYS = ("froze", "ray.wait")


async def run_batch(service, items) -> tuple[dict, dict]:
    refs = [price.remote(service, item) for item in items]
    ray.wait(refs, num_returns=len(refs))
    successes, failures = {}, {}
    for item, ref in zip(items, refs, strict=True):
        try:
            successes[item] = await ref
        except Exception as error:
            failures[item] = error
    return successes, failures
