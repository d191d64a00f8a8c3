"""Mutant: `ray.get(refs)` inside the coroutine. All tasks do run at once and the results are
right, but the event loop's thread blocks until the last one is done."""

import ray

REJECTED_BY = "test_event_loop_stays_responsive"


@ray.remote(num_cpus=0)
def lookup(service, item):
    return service.call(item)


async def lookup_all(service, items) -> list:
    refs = [lookup.remote(service, item) for item in items]
    return ray.get(refs)
