"""Kata 24 · Retries: reference solution."""

import asyncio
import dataclasses
import random
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from dojo.crawl.result import FetchResult

# (Given) from the stub: what `fetch` and `sleep` are.
from katas.k24_retries.kata import Fetch, Sleep

# Nothing definitive was said: the network failed on the way, so the next try may work.
TRANSIENT_ERRORS = frozenset({"timeout", "connect", "reset"})
DELAY_SECONDS = re.compile(r"\d+", re.ASCII)


def is_retryable(result: FetchResult) -> bool:
    """True when another attempt may well succeed: a 429, any 5xx, or no answer because of a
    timeout, a refused connection or a reset one. False for everything else."""
    if result.error is not None:
        return result.error in TRANSIENT_ERRORS
    # 429: "too many requests", come back later. 5xx: the server's trouble, often brief.
    # Any other 4xx is about the request itself: asking again gets the same answer.
    return result.status == 429 or (result.status is not None and 500 <= result.status <= 599)


def backoff_delay(retry: int, base: float, cap: float, rng: random.Random) -> float:
    """Seconds to wait before retry number `retry` (1 = the first retry): a random draw
    from `rng`, between 0 and min(cap, base * 2 ** (retry - 1))."""
    # Full jitter: anywhere under the envelope. Clients that failed together spread out
    # instead of coming back in lockstep, and the cap keeps late retries reasonable.
    envelope = min(cap, base * 2 ** (retry - 1))
    return rng.uniform(0.0, envelope)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header: delay-seconds ("120") or an HTTP-date
    ("Wed, 21 Oct 2015 07:28:00 GMT", counted from the aware datetime `now`; a date in the
    past means 0). None when there is no header or it makes no sense."""
    if value is None:
        return None
    text = value.strip()
    if DELAY_SECONDS.fullmatch(text):
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return _seconds_until(when, now)


def _seconds_until(when: datetime, now: datetime) -> float:
    """Seconds from the aware datetime `now` to the HTTP-date `when` (0 if it is past)."""
    if when.tzinfo is None:  # "-0000" or no zone: HTTP-dates are always GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _reason(result: FetchResult) -> str:
    return result.error or str(result.status)


def _gave_up(result: FetchResult, why: str) -> FetchResult:
    """The answer with why it is final in its `detail` (a FetchResult is frozen: replace)."""
    return dataclasses.replace(result, detail=f"{why} ({result.detail})" if result.detail else why)


def _retry_after(result: FetchResult) -> float | None:
    """The seconds the server asked for in the answer's Retry-After header (None: nothing)."""
    # "Now" is read when the answer is here: an HTTP-date counts from this moment (and a test
    # fixes it with freezegun).
    return parse_retry_after(result.header("Retry-After"), datetime.now(UTC))


def _wait_before(
    retry: int, asked: float | None, base: float, cap: float, max_wait: float, rng: random.Random
) -> float | str:
    """Seconds to wait before retry number `retry`, when the server `asked` for that many
    (None: it did not say); or, instead of seconds, why to give up now."""
    wait = backoff_delay(retry, base, cap, rng)
    if asked is None:
        return wait
    if asked > max_wait:
        # Waiting an hour would hold this fetch (and its worker) for an hour; retrying sooner
        # than asked is rude. Give up now: the crawl can come back later.
        return f"gave up: Retry-After {asked:g} s is over max_wait {max_wait:g} s"
    # The server knows best when it will be ready: never sooner than it said.
    return max(wait, asked)


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
    """Fetch `url` with `await fetch(url)`, at most `attempts` times in all. Retry only what
    is_retryable; before each retry `await sleep(seconds)`: the backoff, or the server's
    Retry-After when it sent one (give up at once if that is over `max_wait`). Returns the
    first answer not worth retrying, or the last one with the reason in its `detail`."""
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, not {attempts}")
    rng = rng if rng is not None else random.Random()
    # A for loop bounds the attempts by construction: there is no path that loops for ever.
    for attempt in range(1, attempts + 1):
        result = await fetch(url)
        if not is_retryable(result):
            return result  # a page, or a failure asking again will not fix
        if attempt == attempts:
            # No sleep after the last attempt: nobody would use it.
            return _gave_up(result, f"gave up after {attempts} attempts: {_reason(result)}")
        wait = _wait_before(attempt, _retry_after(result), base, cap, max_wait, rng)
        if isinstance(wait, str):  # a reason to give up now, not a number of seconds
            return _gave_up(result, wait)
        # The injected sleep: asyncio.sleep in production (the event loop serves other
        # fetches meanwhile), a recorder in the tests.
        await sleep(wait)
    raise AssertionError("unreachable: the loop returns on its last attempt")
