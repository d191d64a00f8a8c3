"""Mutant: the Retry-After limit written as the README's example number (30) instead of read
from `max_wait`. Every test that passed max_wait=30 was fooled by it. (The parameter audit.)"""

import random

from solutions.k24_retries import kata as solution
from solutions.k24_retries.kata import *  # the solution, but for _wait_before
from solutions.k24_retries.kata import _gave_up, _reason, _retry_after  # noqa: F401  (the loop's)
from tests.variant_tools import rebuilt

BREAKS = "gives-up-when-retry-after-is-over-max-wait"
SAYS = ("written as a number", "max_wait")


def _wait_before(
    retry: int, asked: float | None, base: float, cap: float, max_wait: float, rng: random.Random
) -> float | str:
    return solution._wait_before(retry, asked, base, cap, 30.0, rng)  # the mistake: 30


# The solution's loop, rebuilt over this module's names: it calls the _wait_before above.
fetch_with_retries = rebuilt(solution.fetch_with_retries, globals())
