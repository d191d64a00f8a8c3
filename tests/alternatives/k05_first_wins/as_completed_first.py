"""Alternative: `asyncio.as_completed` accepts raw refs; the first one it yields is the
fastest. It does not say WHICH ref won, so cancel them all: ray.cancel on a task that has
already finished does nothing."""

import asyncio

import ray

from solutions.k05_first_wins.kata import *  # the solution, but for first_answer


async def first_answer(replicas: list, query: str) -> str:
    refs = [ask.remote(replica, query) for replica in replicas]
    try:
        for earliest in asyncio.as_completed(refs):
            return await earliest
    finally:
        for ref in refs:
            ray.cancel(ref)
    raise ValueError("no replicas to ask")
