"""Mutant: "now" is `datetime.now()`, a naive local time. An HTTP-date is aware (GMT), and
naive minus aware raises TypeError: the first server to send a date crashes the fetch."""

import asyncio
import random
from datetime import datetime

from solutions.k24_retries.kata import *
from solutions.k24_retries.kata import _gave_up, _reason

BREAKS = "retry-after-dates-are-waited-for"
SAYS = ("datetime.now(UTC)",)


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
        asked = parse_retry_after(
            result.header("Retry-After"), datetime.now()
        )  # the mistake: naive
        if asked is not None:
            if asked > max_wait:
                why = f"gave up: Retry-After {asked:g} s is over max_wait {max_wait:g} s"
                return _gave_up(result, why)
            wait = max(wait, asked)
        await sleep(wait)
