"""Learner: k02 imports a helper module they forgot to hand in (every test errors at once).
Graded after k01 crashed the test process: grading goes on with the next kata."""

import ray
from kata_helpers import start_all  # not in the checkout

from dojo import todo


@ray.remote(num_cpus=0)
def lookup(service, item):
    """One IO-bound call to a slow service; reserves no CPU while it waits. (Given: keep it.)"""
    return service.call(item)


async def lookup_all(service, items) -> list:
    """Run one `lookup` task per item, all at once; return the results in the order of items."""
    refs = start_all(lookup, service, items)
    todo("await them all at once")
    return refs
