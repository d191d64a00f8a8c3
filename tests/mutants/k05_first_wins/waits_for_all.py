"""Mutant: waits for every replica. `asyncio.gather` collects all the answers and the first
one in the list is returned, so the caller waits for the SLOWEST replica: the opposite of a
hedged request, which exists to cut that wait short."""

import asyncio

import ray

REJECTED_BY = "test_returns_while_slow_replicas_are_still_working"


@ray.remote(num_cpus=0)
def ask(replica, query: str) -> str:
    return replica.call(query)


async def first_answer(replicas: list, query: str) -> str:
    answers = await asyncio.gather(*[ask.remote(replica, query) for replica in replicas])
    return answers[0]
