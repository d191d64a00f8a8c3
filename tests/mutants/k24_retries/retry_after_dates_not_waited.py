"""Mutant: the loop reads Retry-After itself, and only the seconds form: a server that
answers with an HTTP-date gets its retry after the backoff alone, long before the date."""

import asyncio
import random

from solutions.k24_retries.kata import *
from solutions.k24_retries.kata import _gave_up, _reason

BREAKS = "retry-after-dates-are-waited-for"
SAYS = ("HTTP-date form",)


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
        value = (result.header("Retry-After") or "").strip()
        if value.isdigit():  # the mistake: a date is never waited for
            if int(value) > max_wait:
                why = f"gave up: Retry-After {value} s is over max_wait {max_wait:g} s"
                return _gave_up(result, why)
            wait = max(wait, int(value))
        await sleep(wait)
