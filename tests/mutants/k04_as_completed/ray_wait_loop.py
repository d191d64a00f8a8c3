"""Mutant: the Ray-native as-completed loop, `ray.wait(refs, num_returns=1)`, inside a
coroutine. Results are handled in completion order, but ray.wait blocks the event loop's
thread while it waits for the next one."""

import ray

REJECTED_BY = "test_event_loop_stays_responsive"


@ray.remote(num_cpus=0)
def lookup(service, item):
    return service.call(item)


async def handle_as_completed(service, items, handle) -> None:
    pending = [lookup.remote(service, item) for item in items]
    while pending:
        ready, pending = ray.wait(pending, num_returns=1)
        handle(ray.get(ready[0]))
