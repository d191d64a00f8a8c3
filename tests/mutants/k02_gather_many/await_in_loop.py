"""Mutant: `await` inside the loop that starts the tasks. Each task starts only after the
previous one has finished, so the calls run one after another instead of all at once."""

import ray

REJECTED_BY = "test_all_calls_in_flight_at_once"


@ray.remote(num_cpus=0)
def lookup(service, item):
    return service.call(item)


async def lookup_all(service, items) -> list:
    results = []
    for item in items:
        results.append(await lookup.remote(service, item))
    return results
