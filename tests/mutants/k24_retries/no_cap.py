"""Mutant: exponential backoff with jitter but without the cap: the envelope doubles for
ever, and by retry 20 a fetch may wait for days."""

import random

from solutions.k24_retries.kata import *

BREAKS = "backoff-grows-then-caps"
SAYS = ("no cap",)


def backoff_delay(retry: int, base: float, cap: float, rng: random.Random) -> float:
    return rng.uniform(0.0, base * 2 ** (retry - 1))  # the mistake: no cap
