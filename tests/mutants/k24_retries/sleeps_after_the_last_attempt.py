"""Mutant: sleeps after every failed attempt, the last one too, and only then gives up. The
caller waits a whole backoff (up to `cap`) for nothing."""

import asyncio
import random

from solutions.k24_retries.kata import *
from solutions.k24_retries.kata import _gave_up, _reason

BREAKS = "at-most-attempts"
SAYS = ("after the last attempt",)


async def fetch_with_retries(
    fetch: Fetch,
    url: str,
    *,
    attempts: int = 4,
    base: float = 0.5,
    cap: float = 10.0,
    max_wait: float = 60.0,
    sleep: Sleep = asyncio.sleep,
    rng: random.Random | None = None,
) -> FetchResult:
    rng = rng if rng is not None else random.Random()
    for attempt in range(1, attempts + 1):
        result = await fetch(url)
        if not is_retryable(result):
            return result
        await sleep(backoff_delay(attempt, base, cap, rng))  # the mistake: after the last too
        if attempt == attempts:
            return _gave_up(result, f"gave up after {attempts} attempts: {_reason(result)}")
