"""Mutant: counts the retries, not the attempts: `attempts=4` makes 5 requests (the first
try plus 4 retries). One more request than the caller allowed, to a host that is failing."""

import asyncio
import random
from datetime import UTC, datetime

from solutions.k24_retries.kata import *
from solutions.k24_retries.kata import _gave_up, _reason

BREAKS = "at-most-attempts"
SAYS = ("off-by-one",)


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
    for attempt in range(1, attempts + 2):  # the mistake: attempts + 1 tries
        result = await fetch(url)
        if not is_retryable(result):
            return result
        if attempt == attempts + 1:
            return _gave_up(result, f"gave up after {attempts} attempts: {_reason(result)}")
        wait = backoff_delay(attempt, base, cap, rng)
        asked = parse_retry_after(result.header("Retry-After"), datetime.now(UTC))
        if asked is not None:
            if asked > max_wait:
                why = f"gave up: Retry-After {asked:g} s is over max_wait {max_wait:g} s"
                return _gave_up(result, why)
            wait = max(wait, asked)
        await sleep(wait)
