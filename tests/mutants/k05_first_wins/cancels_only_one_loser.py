"""Mutant: returns at the first answer and cancels one loser, the first still pending: with two
replicas that is every loser, with three the other one runs on."""

import asyncio

import ray

from solutions.k05_first_wins.kata import *  # the solution, but for first_answer

BREAKS = "cancels-the-losers"
SAYS = ("only some of the losers",)


async def first_answer(replicas: list, query: str) -> str:
    refs = [ask.remote(replica, query) for replica in replicas]
    waiting = {asyncio.ensure_future(ref): ref for ref in refs}
    done, pending = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    if pending:
        ray.cancel(waiting[next(iter(pending))])
    return done.pop().result()
