"""Kata 24 · Retries. The instructions are in README.md next to this file."""

import asyncio
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime  # noqa: F401  (you will need them)
from email.utils import parsedate_to_datetime  # noqa: F401  (you will need it)

from dojo import todo
from dojo.crawl.result import FetchResult

# What the tests hand you as `fetch`: an async function from a URL to its FetchResult (in the
# fetcher actor it is kata 19's fetch_page with the session bound; in the unit tests, a fake).
Fetch = Callable[[str], Awaitable[FetchResult]]
# How to wait: asyncio.sleep in production; the tests give one that records the request.
Sleep = Callable[[float], Awaitable[None]]


def is_retryable(result: FetchResult) -> bool:
    """True when another attempt may well succeed: a 429, any 5xx, or no answer because of a
    timeout, a refused connection or a reset one. False for everything else."""
    # TODO: look at result.status and result.error (see README.md for the list).
    todo("say whether this failure is worth another attempt")


def backoff_delay(retry: int, base: float, cap: float, rng: random.Random) -> float:
    """Seconds to wait before retry number `retry` (1 = the first retry): a random draw
    from `rng`, between 0 and min(cap, base * 2 ** (retry - 1))."""
    # TODO: capped exponential backoff, with jitter drawn from rng.
    todo("draw a jittered wait under the capped exponential envelope")


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header: delay-seconds ("120") or an HTTP-date
    ("Wed, 21 Oct 2015 07:28:00 GMT", counted from the aware datetime `now`; a date in the
    past means 0). None when there is no header or it makes no sense."""
    # TODO: digits are seconds; otherwise try email.utils.parsedate_to_datetime.
    todo("turn a Retry-After value into seconds, or None")


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
    # TODO: the loop (see README.md for the exact rules and the `detail` texts).
    todo("fetch, and retry transient failures with backoff and Retry-After")
