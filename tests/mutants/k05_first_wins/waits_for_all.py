"""Mutant: waits for every replica. `asyncio.gather` collects all the answers and the first
one in the list is returned, so the caller waits for the SLOWEST replica: the opposite of a
hedged request, which exists to cut that wait short."""

import asyncio

from solutions.k05_first_wins.kata import *  # the solution, but for first_answer

BREAKS = "returns-at-the-first-answer"
SAYS = ("waited for every replica",)


async def first_answer(replicas: list, query: str) -> str:
    answers = await asyncio.gather(*[ask.remote(replica, query) for replica in replicas])
    return answers[0]
