"""Mutant: the loop decides with a test of its own, "is it a 5xx?", instead of
is_retryable(result): a timeout, a refused or reset connection and a 429 are returned at
once, as if they were final."""

import asyncio
import random
from datetime import UTC, datetime

from solutions.k24_retries.kata import *
from solutions.k24_retries.kata import _gave_up, _reason

BREAKS = "retries-transient-failures"
SAYS = ("timeout was not retried",)


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
        if not (result.status or 0) >= 500:  # the mistake: only server errors are retried
            return result
        if attempt == attempts:
            return _gave_up(result, f"gave up after {attempts} attempts: {_reason(result)}")
        wait = backoff_delay(attempt, base, cap, rng)
        asked = parse_retry_after(result.header("Retry-After"), datetime.now(UTC))
        if asked is not None:
            if asked > max_wait:
                why = f"gave up: Retry-After {asked:g} s is over max_wait {max_wait:g} s"
                return _gave_up(result, why)
            wait = max(wait, asked)
        await sleep(wait)
