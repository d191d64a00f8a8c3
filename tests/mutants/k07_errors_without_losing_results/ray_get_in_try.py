"""Mutant: every task starts at once, then `ray.get(ref)` per item inside a try/except. The
outcomes are sorted right, but each ray.get blocks the whole thread: the event loop freezes
until the slowest item is in."""

import ray

from solutions.k07_errors_without_losing_results.kata import *  # the solution, but for run_batch

BREAKS = "keeps-the-loop-free"
SAYS = ("froze", "ray.get")


async def run_batch(service, items) -> tuple[dict, dict]:
    refs = {item: price.remote(service, item) for item in items}
    successes, failures = {}, {}
    for item, ref in refs.items():
        try:
            successes[item] = ray.get(ref)
        except Exception as error:
            failures[item] = error
    return successes, failures
