"""Mutant: every replica is asked, all at once, and the first answer wins, but not the query
first_answer was given: a literal of its own goes out instead. (The parameter audit: the
tests checked which replica answered, never what it was asked.)"""

import asyncio

import ray

from solutions.k05_first_wins.kata import *  # the solution, but for first_answer

BREAKS = "returns-the-winners-answer"
SAYS = ("the replicas were asked", "query")


async def first_answer(replicas: list, query: str) -> str:
    refs = [ask.remote(replica, "query") for replica in replicas]  # the mistake: a literal
    waiting = {asyncio.ensure_future(ref): ref for ref in refs}
    try:
        done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        return done.pop().result()
    finally:
        for wrapper, ref in waiting.items():
            if not wrapper.done():
                ray.cancel(ref)
                wrapper.cancel()
