"""Mutant: returns the winner's asyncio future instead of its result. Everything else is right
(every replica asked at once, the losers cancelled in Ray), but the caller gets a finished
Task, not the answer: `.result()` (or `await`) was forgotten."""

import asyncio

import ray

from solutions.k05_first_wins.kata import *  # the solution, but for first_answer

BREAKS = "returns-the-winners-answer"
SAYS = ("instead of its result",)


async def first_answer(replicas: list, query: str) -> str:
    refs = [ask.remote(replica, query) for replica in replicas]
    waiting = {asyncio.ensure_future(ref): ref for ref in refs}
    done, pending = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    for wrapper in pending:
        ray.cancel(waiting[wrapper])
    return done.pop()
