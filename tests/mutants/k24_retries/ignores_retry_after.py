"""Mutant: Retry-After is never read; every retry waits only its backoff. The server said
when it would be ready, and the retry comes back before that to be refused again."""

import asyncio
import random

from solutions.k24_retries.kata import *
from solutions.k24_retries.kata import _gave_up, _reason

BREAKS = "waits-what-retry-after-asks"
SAYS = ("ignoring Retry-After",)


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
        if attempt == attempts:
            return _gave_up(result, f"gave up after {attempts} attempts: {_reason(result)}")
        await sleep(backoff_delay(attempt, base, cap, rng))  # the mistake: no Retry-After
