"""Alternative: a tenacity-like shape. A RetryPolicy object answers the two questions
(retry this result? how long to wait, or give up?), and a generic `retrying` loop runs any
call under a policy. Full jitter drawn as rng.random() * envelope; "now" for HTTP-dates
built from time.time(); a Retry-After (seconds or date) waited exactly, not maxed with the
backoff. The defaults of the options are the policy's: fetch_with_retries passes them on."""

import asyncio
import dataclasses
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from solutions.k24_retries.kata import *  # Fetch, Sleep, FetchResult

RETRY_STATUSES = frozenset({429, *range(500, 600)})
RETRY_ERRORS = frozenset({"timeout", "connect", "reset"})


def is_retryable(result: FetchResult) -> bool:
    if result.error is not None:
        return result.error in RETRY_ERRORS
    return result.status in RETRY_STATUSES


def backoff_delay(retry: int, base: float, cap: float, rng: random.Random) -> float:
    return rng.random() * min(cap, base * (1 << (retry - 1)))


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    if value is None:
        return None
    try:
        return float(int(value.strip())) if value.strip().isdecimal() else _until(value, now)
    except (TypeError, ValueError, IndexError):
        return None


def _until(value: str, now: datetime) -> float:
    when = parsedate_to_datetime(value.strip())
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


@dataclass
class RetryPolicy:
    attempts: int = 4
    base: float = 0.5
    cap: float = 10.0
    max_wait: float = 60.0
    rng: random.Random | None = None

    def __post_init__(self) -> None:
        self.rng = self.rng or random.Random()

    def wait_before(self, retry: int, result: FetchResult) -> tuple[float | None, str]:
        """(seconds, "") to retry after a wait, or (None, reason) to give up now."""
        if retry >= self.attempts:
            why = result.error or str(result.status)
            return None, f"gave up after {self.attempts} attempts: {why}"
        now = datetime.fromtimestamp(time.time(), UTC)
        asked = parse_retry_after(result.header("Retry-After"), now)
        if asked is not None and asked > self.max_wait:
            return None, f"gave up: Retry-After {asked:g} s is over max_wait {self.max_wait:g} s"
        if asked is not None:
            return asked, ""  # exactly what the server asked (no backoff on top): also fine
        return backoff_delay(retry, self.base, self.cap, self.rng), ""


async def retrying(call, policy: RetryPolicy, sleep: Sleep) -> FetchResult:
    tries = 0
    while True:
        tries += 1
        result = await call()
        if not is_retryable(result):
            return result
        wait, reason = policy.wait_before(tries, result)
        if wait is None:
            return dataclasses.replace(result, detail=reason)
        await sleep(wait)


async def fetch_with_retries(
    fetch: Fetch, url: str, *, sleep: Sleep = asyncio.sleep, **options
) -> FetchResult:
    """attempts, base, cap, max_wait, rng: the RetryPolicy's fields, with its defaults."""
    return await retrying(lambda: fetch(url), RetryPolicy(**options), sleep)
