"""Mutant: fails over instead of hedging. It asks one replica, waits for its answer, and would
ask the next only if that one failed: while the first replica is slow, the others are never
asked, so the query waits for the slowest possible path."""

import ray

from solutions.k05_first_wins.kata import *  # the solution, but for first_answer

BREAKS = "returns-at-the-first-answer"
SAYS = ("not all asked at once",)


async def first_answer(replicas: list, query: str) -> str:
    for replica in replicas:
        try:
            return await ask.remote(replica, query)
        except ray.exceptions.RayTaskError:
            continue  # that replica failed: try the next one
    raise RuntimeError("no replica answered")
