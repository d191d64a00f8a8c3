"""Kata 08 · Bounded fan-out. The instructions are in README.md next to this file."""

import ray

from dojo import todo


@ray.remote(num_cpus=0)
def work(service, item):
    """One slow, IO-bound call to the service for one item. (Given: keep it.)"""
    return service.call(item)


async def process_bounded(service, items, limit: int) -> list:
    """Run `work` for every item, with at most `limit` tasks in flight at any moment, starting
    the next item as soon as any running one finishes. Return the results in items order."""
    # TODO: keep at most `limit` work tasks running (count from .remote(), not from await),
    # refill a slot the moment one frees up, and put each result at its item's position.
    todo("run work for every item with at most `limit` in flight, results in items order")
