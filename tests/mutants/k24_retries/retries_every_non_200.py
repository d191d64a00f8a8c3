"""Mutant: the loop retries every answer that is not a 200: a 404 (and a 403, a 410, a bad
URL) is asked `attempts` times, with backoff in between, for an answer that cannot change."""

import asyncio
import random
from datetime import UTC, datetime

from solutions.k24_retries.kata import *
from solutions.k24_retries.kata import _gave_up, _reason

BREAKS = "returns-final-answers-at-once"
SAYS = ("not a 200",)


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
        if result.status == 200:  # the mistake: everything else is retried
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
