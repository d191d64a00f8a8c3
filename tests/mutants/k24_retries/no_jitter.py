"""Mutant: capped exponential backoff without jitter: always the whole envelope. Every
client that failed at the same moment retries at the same moment, and the struggling
server gets the whole herd back at once, again and again."""

import random

from solutions.k24_retries.kata import *

BREAKS = "backoff-is-jittered"
SAYS = ("no jitter",)


def backoff_delay(retry: int, base: float, cap: float, rng: random.Random) -> float:
    return min(cap, base * 2 ** (retry - 1))  # the mistake: no jitter
