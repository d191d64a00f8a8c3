"""Alternative: equal jitter (half the envelope fixed, half random) instead of full jitter,
a recursive fetch_with_retries (one call per attempt) instead of a loop, Retry-After
dates read with parsedate_tz / mktime_tz against `now` as a timestamp, and a Retry-After over
max_wait on the last attempt reported as such (not as "gave up after N attempts"). Written
without type annotations: they are no part of what the tests check."""

import asyncio
import dataclasses
import random
from datetime import UTC, datetime
from email.utils import mktime_tz, parsedate_tz

from solutions.k24_retries.kata import *  # Fetch, Sleep, FetchResult


def is_retryable(result: FetchResult) -> bool:
    if result.error:
        return result.error in ("timeout", "connect", "reset")
    return result.status == 429 or (result.status or 0) // 100 == 5


def backoff_delay(retry: int, base: float, cap: float, rng: random.Random) -> float:
    half = min(cap, base * 2 ** (retry - 1)) / 2
    return half + rng.uniform(0.0, half)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        return float(int(text))
    parts = parsedate_tz(text)
    if parts is None:
        return None
    return max(0.0, mktime_tz(parts) - now.timestamp())


async def fetch_with_retries(
    fetch, url, *, attempts=4, base=0.5, cap=10.0, max_wait=60.0, sleep=asyncio.sleep, rng=None
):
    rng = rng or random.Random()

    async def attempt(n: int) -> FetchResult:
        result = await fetch(url)
        if not is_retryable(result):
            return result
        why = result.error or str(result.status)
        # Retry-After over max_wait first: on the last attempt it names that reason, not the
        # count (the README leaves the choice open).
        asked = parse_retry_after(result.header("retry-after"), datetime.now(UTC))
        if asked is not None and asked > max_wait:
            return dataclasses.replace(
                result, detail=f"gave up: Retry-After {asked:g} s is over max_wait {max_wait:g} s"
            )
        if n == attempts:
            return dataclasses.replace(result, detail=f"gave up after {n} attempts: {why}")
        await sleep(max(backoff_delay(n, base, cap, rng), asked or 0.0))
        return await attempt(n + 1)

    return await attempt(1)
