"""Mutant: backoff_delay with the tests' base and cap written in (0.1 and 2.0) instead of
read from its arguments. (The parameter audit: every draw used those two numbers.)"""

import random

from solutions.k24_retries import kata as solution
from solutions.k24_retries.kata import *  # the solution, but for backoff_delay
from solutions.k24_retries.kata import _gave_up, _reason, _retry_after  # noqa: F401
from tests.variant_tools import rebuilt

BREAKS = "backoff-grows-then-caps"
SAYS = ("written as numbers",)


def backoff_delay(retry: int, base: float, cap: float, rng: random.Random) -> float:
    return rng.uniform(0, min(2.0, 0.1 * 2 ** (retry - 1)))  # the mistake: not base, cap


_wait_before = rebuilt(solution._wait_before, globals())
fetch_with_retries = rebuilt(solution.fetch_with_retries, globals())
