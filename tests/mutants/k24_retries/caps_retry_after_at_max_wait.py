"""Mutant: a Retry-After over `max_wait` is cut down to `max_wait`, and the request is retried
then: sooner than the server asked, so it is refused again (or the crawler gets banned)."""

import asyncio
import random
from datetime import UTC, datetime

from solutions.k24_retries.kata import *
from solutions.k24_retries.kata import _gave_up, _reason

BREAKS = "gives-up-when-retry-after-is-over-max-wait"
SAYS = ("capping",)


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
        wait = backoff_delay(attempt, base, cap, rng)
        asked = parse_retry_after(result.header("Retry-After"), datetime.now(UTC))
        if asked is not None:
            wait = max(wait, min(asked, max_wait))  # the mistake: retries sooner than asked
        await sleep(wait)
