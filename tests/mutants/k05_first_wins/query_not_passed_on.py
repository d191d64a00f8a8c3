"""Mutant: every replica is asked, all at once, and the first answer wins, but not the query
first_answer was given: a literal of its own goes out instead. (The parameter audit: the
tests checked which replica answered, never what it was asked.)"""

from solutions.k05_first_wins import kata as solution
from solutions.k05_first_wins.kata import *  # the solution, but for first_answer

BREAKS = "returns-the-winners-answer"
SAYS = ("the replicas were asked", "query")


async def first_answer(replicas: list, query: str) -> str:
    return await solution.first_answer(replicas, "query")  # the mistake: a literal
