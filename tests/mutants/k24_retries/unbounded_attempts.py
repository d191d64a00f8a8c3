"""Mutant: `while True` until the answer is not worth retrying. `attempts` is never checked,
so a URL that answers 503 for ever is asked for ever (every `cap` seconds), and the fetch
never returns."""

import asyncio
import random
from datetime import UTC, datetime

from solutions.k24_retries.kata import *
from solutions.k24_retries.kata import _gave_up

BREAKS = "at-most-attempts"
SAYS = ("no end",)


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
    attempt = 0
    while True:  # the mistake: `attempts` is never checked
        attempt += 1
        result = await fetch(url)
        if not is_retryable(result):
            return result
        wait = backoff_delay(attempt, base, cap, rng)
        asked = parse_retry_after(result.header("Retry-After"), datetime.now(UTC))
        if asked is not None:
            if asked > max_wait:
                why = f"gave up: Retry-After {asked:g} s is over max_wait {max_wait:g} s"
                return _gave_up(result, why)
            wait = max(wait, asked)
        await sleep(wait)
