"""Mutant: Retry-After is honoured whatever it says. A server asking for an hour holds this
fetch (and the worker running it) for an hour; `max_wait` is never checked."""

import math
import random

from solutions.k24_retries import kata as solution
from solutions.k24_retries.kata import *  # the solution, but for _wait_before
from solutions.k24_retries.kata import _gave_up, _reason, _retry_after  # noqa: F401  (the loop's)
from tests.variant_tools import rebuilt

BREAKS = "gives-up-when-retry-after-is-over-max-wait"
SAYS = ("waiting out",)


def _wait_before(
    retry: int, asked: float | None, base: float, cap: float, max_wait: float, rng: random.Random
) -> float | str:
    # the mistake: max_wait is never checked, however long the server asks for
    return solution._wait_before(retry, asked, base, cap, math.inf, rng)


# The solution's loop, rebuilt over this module's names: it calls the _wait_before above.
fetch_with_retries = rebuilt(solution.fetch_with_retries, globals())
