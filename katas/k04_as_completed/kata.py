"""Kata 04 · As they complete. The instructions are in README.md next to this file."""

import ray

from dojo import todo


@ray.remote(num_cpus=0)
def lookup(service, item):
    """One IO-bound call to a slow service; reserves no CPU while it waits. (Given: keep it.)"""
    return service.call(item)


async def handle_as_completed(service, items, handle) -> None:
    """Run one `lookup` per item, all at once, and call handle(result) for each result as
    soon as it is ready (in the order they finish). Return once every result is handled."""
    # TODO: start every lookup, then handle each result the moment it completes.
    todo("start one lookup per item, then call handle(result) as each one completes")
