"""Crash: `asyncio.wait` on raw ObjectRefs (they are not asyncio futures)."""

import asyncio

import ray

from solutions.k05_first_wins.kata import *  # the solution, but for first_answer


async def first_answer(replicas: list, query: str) -> str:
    refs = [ask.remote(replica, query) for replica in replicas]
    done, pending = await asyncio.wait(refs, return_when=asyncio.FIRST_COMPLETED)
    for ref in pending:
        ray.cancel(ref)
    return await done.pop()
