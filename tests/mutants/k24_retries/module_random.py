"""Mutant: the jitter comes from the module-level `random.uniform`, not from the `rng` it is
given. Right on average, but no test (and no bug report) can replay a crawl's waits."""

import random

from solutions.k24_retries.kata import *

BREAKS = "backoff-draws-from-the-given-rng"
SAYS = ("rng",)


def backoff_delay(retry: int, base: float, cap: float, rng: random.Random) -> float:
    return random.uniform(0.0, min(cap, base * 2 ** (retry - 1)))  # the mistake: not rng
