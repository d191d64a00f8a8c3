"""Mutant: jitter drawn from rng, but only over the envelope's top tenth: the herd of
clients that failed together still comes back within a tenth of the envelope. It must be
told its jitter is too narrow, not that it has none. (A README-only answer.)"""

import random

from solutions.k24_retries.kata import *

BREAKS = "backoff-is-jittered"
SAYS = ("jitter too narrow",)


def backoff_delay(retry: int, base: float, cap: float, rng: random.Random) -> float:
    return min(cap, base * 2 ** (retry - 1)) * rng.uniform(0.9, 1.0)  # the mistake: 10 %
