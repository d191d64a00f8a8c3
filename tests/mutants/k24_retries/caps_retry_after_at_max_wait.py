"""Mutant: a Retry-After over `max_wait` is cut down to `max_wait`, and the request is retried
then: sooner than the server asked, so it is refused again (or the crawler gets banned)."""

import random

from solutions.k24_retries import kata as solution
from solutions.k24_retries.kata import *  # the solution, but for _wait_before
from solutions.k24_retries.kata import _gave_up, _reason, _retry_after  # noqa: F401  (the loop's)
from tests.variant_tools import rebuilt

BREAKS = "gives-up-when-retry-after-is-over-max-wait"
SAYS = ("capping",)


def _wait_before(
    retry: int, asked: float | None, base: float, cap: float, max_wait: float, rng: random.Random
) -> float | str:
    if asked is not None:
        asked = min(asked, max_wait)  # the mistake: retries sooner than asked
    return solution._wait_before(retry, asked, base, cap, max_wait, rng)


# The solution's loop, rebuilt over this module's names: it calls the _wait_before above.
fetch_with_retries = rebuilt(solution.fetch_with_retries, globals())
