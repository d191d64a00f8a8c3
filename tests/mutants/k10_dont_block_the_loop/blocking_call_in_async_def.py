"""Mutant: calls the blocking `legacy_fetch` directly inside `async def`. Right replies, but
it holds the event loop's only thread: calls run one at a time and ping() cannot answer until
they are done."""

import ray

REJECTED_BY = "test_ping_answers_while_slow_calls_run"


def legacy_fetch(service, item):
    return service.call(item)


@ray.remote(num_cpus=0)
class Gateway:
    async def ping(self) -> str:
        return "pong"

    async def fetch(self, service, item):
        return legacy_fetch(service, item)
