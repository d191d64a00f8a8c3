"""Kata 24 · Retries: the tests your code must pass.

Most tests are instant and exact: `fetch` is a fake that answers from a script (503, then
503, then 200...), `sleep` is a recorder that notes how long you asked to wait and returns at
once, `rng` is seeded. The HTTP-date form of Retry-After is tested under freezegun, which
fixes "now" (and moves it when you sleep). The last test runs fetch_with_retries inside a
fetcher actor against the fake web, with real sleeps, and checks the hit log: how many times
each URL was asked, and that the server's Retry-After was respected.
"""

import asyncio
import contextlib
import itertools
import os
import random
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from freezegun import freeze_time

from dojo import NotDoneYet
from dojo.crawl.result import FetchResult
from dojo.harness.heartbeat import Heartbeat
from dojo.harness.teach import fail
from dojo.web import (
    Resource,
    Response,
    flaky,
    retry_after,
    site_from_pages,
    testing,
)
from dojo.web.testing import fetch_page, run_in_worker, served

pytestmark = pytest.mark.timeout(30)

URL = "http://a.test/page"
SEED = 2024
BASE, CAP = 0.1, 2.0
DRAWS = 200
NOW = datetime(2015, 10, 21, 7, 27, 0, tzinfo=UTC)
# The recording `sleep` returns at once and the fake fetch answers at once: the loop has no
# reason to freeze. A blocking time.sleep(seconds) freezes it for the whole wait.
MAX_FREEZE = 0.3
# A freeze not caught in a blocking call counts only past this (a flake hunt with both cores
# busy, in one of its runs of the whole check, saw three answers that sleep the right way
# pause the loop past 0.3 s).
MAX_UNCAUGHT_FREEZE = 2.0


# -- the pure pieces ----------------------------------------------------------------------------


def answer(status: int, retry_after: str | None = None) -> FetchResult:
    headers = (("Retry-After", retry_after),) if retry_after is not None else ()
    body = "<p>the page</p>" if status == 200 else ""
    return FetchResult(URL, URL, status, "text/html", body, headers=headers)


def failed(kind: str) -> FetchResult:
    return FetchResult(URL, URL, error=kind, detail=f"simulated {kind}")


OK = answer(200)


def _show(result: FetchResult) -> str:
    if result.error:
        return result.error
    after = result.header("Retry-After")
    return f"{result.status} (Retry-After: {after})" if after is not None else str(result.status)


# 599 too: "any 5xx" ends there (`500 <= status < 599` is an off-by-one that misses it).
RETRYABLE = [answer(s) for s in (429, 500, 502, 503, 504, 599)] + [
    failed(k) for k in ("timeout", "connect", "reset")
]
FINAL = [answer(s) for s in (200, 204, 301, 304, 400, 401, 403, 404, 410)] + [
    failed(k) for k in ("bad_url", "too_many_redirects", "other")
]


def test_which_failures_are_worth_retrying(kata):
    wrong, missed, extra = [], [], []
    for result in RETRYABLE + FINAL:
        want = result in RETRYABLE
        got = kata.is_retryable(result)
        if got is not want:
            wrong.append(f"{_show(result)}: {got!r} (want {want})")
            if got is True:
                extra.append(_show(result))
            elif got is False:
                missed.append(_show(result))
    if wrong:
        likely = []
        if extra:
            likely.append(
                f"{', '.join(extra)} called worth retrying: a 4xx other than 429 is the "
                "request's fault (asking again gets the same answer), and a page, a redirect, "
                "bad_url, too_many_redirects or other is final too"
            )
        if missed == ["599"]:
            likely.append(
                "599 called final: an off-by-one at the end of the 5xx (`status < 599` leaves "
                "it out); any 5xx is 500 to 599, both included"
            )
        elif missed:
            likely.append(
                f"{', '.join(missed)} called final: a 429, any 5xx and the network errors "
                "timeout, connect and reset may be gone a moment later"
            )
        if len(wrong) > len(extra) + len(missed):
            likely.append("return a bool (True or False), not another value")
        fail(
            f"is_retryable was wrong for {'; '.join(wrong)}",
            "True for 429, any 5xx and the errors timeout, connect, reset; False for the rest "
            "(pages, redirects, 404 and the other 4xx, bad_url, too_many_redirects, other)",
            likely if len(likely) > 1 else likely[0],
        )


def _envelope(retry: int, base: float = BASE, cap: float = CAP) -> float:
    return min(cap, base * 2 ** (retry - 1))


def _draws(kata, retry: int, seed: int, n: int = DRAWS, base=BASE, cap=CAP) -> list:
    rng = random.Random(seed)
    draws = [kata.backoff_delay(retry, base, cap, rng) for _ in range(n)]
    odd = [d for d in draws if not isinstance(d, int | float) or isinstance(d, bool)]
    if odd:
        fail(
            f"backoff_delay({retry}, {base}, {cap}, rng) returned {odd[0]!r}",
            "a number of seconds (a float)",
            "return the wait, e.g. rng.uniform(0, envelope)",
        )
    return draws


# A second base and cap: an answer that writes the numbers instead of reading its arguments
# passes one pair, not both.
OTHER_BASE, OTHER_CAP = 0.3, 1.0


def test_backoff_envelope_grows_then_caps(kata):
    for (base, cap), retry in itertools.product(
        [(BASE, CAP), (OTHER_BASE, OTHER_CAP)], range(1, 11)
    ):
        envelope = _envelope(retry, base, cap)
        draws = _draws(kata, retry, SEED + retry, base=base, cap=cap)
        call = f"backoff_delay({retry}, base={base}, cap={cap}, rng)"
        # The first pair passed every retry: what fails with the second is the numbers.
        written = (
            f"base and cap written as numbers (right for base={BASE}, cap={CAP} only) "
            "instead of read from the arguments"
            if (base, cap) != (BASE, CAP)
            else None
        )
        if min(draws) < 0:
            fail(
                f"{call} returned {min(draws):.3f} s",
                "a wait of 0 s or more",
                "a jitter subtracted below zero: draw between 0 and the envelope",
            )
        if max(draws) > envelope + 1e-9:
            uncapped = max(draws) > cap + 1e-9
            fail(
                f"{call} returned {max(draws):.2f} s",
                f"at most min(cap, base * 2 ** (retry - 1)) = {envelope:.2f} s",
                written
                or (
                    "no cap: base * 2 ** n grows without end (retry 20 would wait a day); take "
                    "min(cap, ...) before drawing the jitter"
                    if uncapped
                    else "an envelope too large: retry 1 waits at most `base`, and each retry "
                    "doubles it"
                ),
            )
        if max(draws) < 0.75 * envelope:
            fail(
                f"{DRAWS} draws of {call} were all under {max(draws):.3f} s",
                f"draws up to its envelope of {envelope:.2f} s: the envelope doubles with "
                f"each retry, from base ({base}) up to cap ({cap})",
                written
                or "a wait that does not grow with `retry`: the envelope is "
                "min(cap, base * 2 ** (retry - 1))",
            )


def test_backoff_is_jittered(kata):
    retry = 4
    envelope = _envelope(retry)
    draws = _draws(kata, retry, SEED)
    spread = max(draws) - min(draws)
    if spread < 0.25 * envelope:
        herd = (
            "every client that failed at the same moment then retries at {when}, and the "
            "struggling server gets the whole herd back {how}"
        )
        fail(
            f"{DRAWS} draws of backoff_delay({retry}, base={BASE}, cap={CAP}, rng) were all "
            f"within {spread:.3f} s of each other (from {min(draws):.3f} s to "
            f"{max(draws):.3f} s)",
            f"waits spread over the envelope of {envelope:.2f} s (full jitter: anywhere in "
            "0..envelope; equal jitter: envelope/2..envelope)",
            "no jitter: "
            + herd.format(when="the same moment", how="at once")
            + ". Draw the wait from rng, e.g. rng.uniform(0, envelope)"
            if spread < 1e-9
            else f"a jitter too narrow (spread over {spread / envelope:.0%} of the envelope): "
            + herd.format(when="nearly the same moment", how="almost at once")
            + ". Spread the draw over the envelope, e.g. rng.uniform(0, envelope)",
        )


def test_backoff_draws_from_the_rng_it_is_given(kata):
    first = _draws(kata, 3, seed=7, n=20)
    again = _draws(kata, 3, seed=7, n=20)
    other = _draws(kata, 3, seed=8, n=20)
    if first != again or first == other:
        fail(
            "backoff_delay gave "
            + (
                "different waits for the same seed, random.Random(7) twice"
                if first != again
                else "the same waits for random.Random(7) and random.Random(8)"
            ),
            "the same waits for the same seed, other waits for another seed",
            "randomness from the module-level `random` functions (or none at all): draw from "
            "the `rng` you are given, so that tests (and bug reports) can replay a crawl",
        )


def _parsed(kata, value, now=NOW):
    got = kata.parse_retry_after(value, now)
    if got is not None and (not isinstance(got, int | float) or isinstance(got, bool)):
        fail(
            f"parse_retry_after({value!r}, now) returned {got!r}",
            "a number of seconds, or None",
            "return float seconds (or None when the value makes no sense)",
        )
    return got


def _check_parsed(cases, likely) -> None:
    """Fail on the cases (value, got, want) that are wrong; `likely(wrong)` names the mistake
    those point to."""
    wrong = [
        (value, got, want)
        for value, got, want in cases
        if not (got == want or (got is not None and want is not None and abs(got - want) < 1e-6))
    ]
    if wrong:
        shown = "; ".join(f"{value!r} -> {got!r} (want {want!r})" for value, got, want in wrong)
        fail(
            f"parse_retry_after(value, now={NOW.isoformat()}) was wrong: {shown}",
            "seconds as a float, or None",
            likely(wrong),
        )


def test_retry_after_in_seconds(kata):
    cases = [(v, _parsed(kata, v), want) for v, want in (("120", 120.0), (" 7 ", 7.0), ("0", 0.0))]
    _check_parsed(
        cases,
        lambda wrong: (
            "spaces around the number are allowed: strip() the value before reading the digits"
            if [value for value, _, _ in wrong] == [" 7 "]
            else "delay-seconds is a plain number of seconds: digits, read as a float"
        ),
    )


def test_retry_after_as_an_http_date(kata):
    minute_later = format_datetime(NOW + timedelta(seconds=60), usegmt=True)
    hour_ago = format_datetime(NOW - timedelta(hours=1), usegmt=True)
    cases = [
        (minute_later, _parsed(kata, minute_later), 60.0),
        ("Wed, 21 Oct 2015 07:27:30 GMT", _parsed(kata, "Wed, 21 Oct 2015 07:27:30 GMT"), 30.0),
        (hour_ago, _parsed(kata, hour_ago), 0.0),
    ]

    def likely(wrong):
        if all(got is None for _, got, _ in wrong) and len(wrong) == len(cases):
            return (
                "HTTP-dates are not read at all: a value that is not digits is tried as a date "
                "with email.utils.parsedate_to_datetime(value)"
            )
        if [want for _, _, want in wrong] == [0.0] and (wrong[0][1] or 0) < 0:
            return "a date that has passed means no wait: 0, never a negative number"
        return (
            "an HTTP-date is a moment: wait from `now` until then "
            "((parsedate_to_datetime(value) - now).total_seconds()), and 0 if it has passed"
        )

    _check_parsed(cases, likely)


# A local time zone 5.5 hours west of GMT (a POSIX TZ string, "+" is west: no zone files
# needed). A date without a zone read as local time is then 5.5 hours later; on a machine set
# to UTC (most servers, and CI) that mistake would go unseen.
LOCAL_ZONE, HOURS_WEST = "DJO+5:30", 5.5


@contextlib.contextmanager
def _local_time_zone(tz: str):
    before = os.environ.get("TZ")
    os.environ["TZ"] = tz
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


def test_an_http_date_without_a_zone_is_gmt(kata):
    value = "Wed, 21 Oct 2015 07:28:00"  # 07:28 GMT: a minute after NOW
    with _local_time_zone(LOCAL_ZONE):
        try:
            got = _parsed(kata, value)
        except NotDoneYet:
            raise
        except TypeError as error:
            fail(
                f"parse_retry_after({value!r}, now) raised TypeError: {error}",
                "60.0: a date without a zone is GMT",
                "parsedate_to_datetime gives a date without a zone as a naive datetime "
                "(tzinfo None), and a naive minus an aware datetime raises TypeError: make it "
                "GMT first (when.replace(tzinfo=UTC))",
            )
    if got is not None and abs(got - 60.0) < 1e-6:
        return
    as_local = 60.0 + HOURS_WEST * 3600
    if got is None:
        likely = [
            "a naive datetime (what parsedate_to_datetime gives for a date without a zone) "
            "compared with the aware `now`: the TypeError was caught and taken for nonsense; "
            "make it GMT first (when.replace(tzinfo=UTC))",
            "a parse that accepts only dates ending in GMT",
        ]
    elif abs(got - as_local) < 1e-6:
        likely = (
            "the date was read as LOCAL time (datetime.timestamp() or astimezone() of a naive "
            "datetime assume the machine's zone; this test runs 5.5 hours west of GMT): a "
            "date without a zone is GMT, when.replace(tzinfo=UTC)"
        )
    else:
        likely = "count the seconds from `now` to that moment, read as GMT"
    fail(
        f"parse_retry_after({value!r}, now={NOW.isoformat()}) returned {got!r} (the machine's "
        f"local time zone set {HOURS_WEST:g} hours west of GMT)",
        "60.0: an HTTP-date without a zone is GMT, whatever the machine's time zone",
        likely,
    )


def test_retry_after_that_makes_no_sense_is_ignored(kata):
    values = [None, "", "soon", "-5", "12 parsecs", "Thu, 99 Foo 2025 25:61:00 GMT"]
    try:
        cases = [(v, _parsed(kata, v), None) for v in values]
    except NotDoneYet:
        raise
    except Exception as error:
        fail(
            f"parse_retry_after raised {type(error).__name__}: {error}",
            "None for a missing or meaningless value: the retry then uses its own backoff",
            "parsedate_to_datetime raises ValueError (or TypeError) on garbage: catch it",
        )
    numbers = [value for value, got, _ in cases if got is not None]

    def likely(wrong):
        if numbers and set(numbers) <= {"-5", "12 parsecs"}:
            return (
                f"{', '.join(map(repr, numbers))} read as a number (float() or a regex that "
                "takes a sign or a prefix): only digits are delay-seconds, anything else that "
                "is not an HTTP-date means None"
            )
        return "a value that is neither digits nor an HTTP-date means nothing: None"

    _check_parsed(cases, likely)


# -- fetch_with_retries, with a scripted fetch and a recording sleep ---------------------------


class Trace:
    """What happened, in order, for the failure messages."""

    def __init__(self) -> None:
        self.lines: list[str] = ["what happened:"]

    def __call__(self, line: str) -> None:
        self.lines.append(f"  {line}")

    def __str__(self) -> str:
        return "\n".join(self.lines if len(self.lines) <= 30 else [*self.lines[:30], "  ..."])


class Script:
    """A fake fetch for one URL: the n-th call gets answers[n] (the last one for ever). It
    stops a retry loop that would never end, with a message."""

    def __init__(self, trace: Trace, *answers: FetchResult, attempts: int = 4):
        self.trace = trace
        self.answers = answers
        self.attempts = attempts
        self.calls = 0

    async def fetch(self, url: str) -> FetchResult:
        self.calls += 1
        limit = 10 * self.attempts
        if self.calls > limit:
            fail(
                f"fetch was called {limit} times for one URL (attempts={self.attempts}), and "
                f"fetch_with_retries was still going",
                f"at most {self.attempts} calls, then the last answer with "
                f"detail 'gave up after {self.attempts} attempts: ...'",
                "a retry loop with no end (`while True` or `while not ok`): a permanent 503 "
                "would be asked for ever. Count the attempts (for attempt in range(...))",
                str(self.trace),
            )
        got = self.answers[min(self.calls - 1, len(self.answers) - 1)]
        self.trace(f"fetch #{self.calls} -> {_show(got)}")
        await asyncio.sleep(0)
        return got


class Sleeps:
    """A `sleep` that records the wait asked for and returns at once (after moving a frozen
    clock along, if given one)."""

    def __init__(self, trace: Trace, on_sleep=None):
        self.trace = trace
        self.on_sleep = on_sleep
        self.requested: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.requested.append(seconds)
        self.trace(f"sleep({seconds:.3f})")
        if self.on_sleep is not None:
            self.on_sleep(seconds)
        await asyncio.sleep(0)


async def _retry(
    kata, script: Script, sleeps: Sleeps, watch_loop: bool = True, **options
) -> FetchResult:
    """fetch_with_retries under a heartbeat, with the script's fetch and the recording sleep.
    (watch_loop=False under freezegun: its tick() moves the clock the heartbeat reads.)"""
    options = {"attempts": script.attempts, "base": BASE, "cap": CAP, "max_wait": 30.0} | options
    shown = ", ".join(f"{k}={v!r}" for k, v in options.items())
    call = f"fetch_with_retries(fetch, url, {shown}, sleep=..., rng=...)"
    began = time.monotonic()
    try:
        async with Heartbeat() as heart, asyncio.timeout(10):
            result = await kata.fetch_with_retries(
                script.fetch, URL, sleep=sleeps, rng=random.Random(SEED), **options
            )
    except TimeoutError:
        fail(
            f"{call} was still running after 10 s, although the `sleep` it was given returns "
            "at once",
            "an answer within moments",
            [
                "waiting with asyncio.sleep directly instead of the `sleep` argument",
                "a loop that never ends",
            ],
            str(script.trace),
        )
    except NotDoneYet:
        raise
    except Exception as error:
        naive = isinstance(error, TypeError) and "naive" in str(error)
        fail(
            f"{call} raised {type(error).__name__}: {error}",
            "a FetchResult: the answer it settled on",
            "a naive datetime met an aware one: `now` must be aware, datetime.now(UTC)"
            if naive
            else "an error inside fetch_with_retries (see the error above)",
            str(script.trace),
        )
    if watch_loop:
        during = f"{call} ran, with a `sleep` that returns at once and a fetch that answers at once"
        heart.assert_loop_stayed_free(
            during,
            caught_limit=MAX_FREEZE,
            limit=MAX_UNCAUGHT_FREEZE,
            candidates=[
                "a blocking wait, time.sleep(seconds), instead of `await sleep(seconds)`: "
                "it freezes the fetcher's event loop, and every other fetch in it",
            ],
            picture=str(script.trace),
        )
    if not isinstance(result, FetchResult):
        fail(
            f"{call} returned {result!r:.200}",
            "a FetchResult: the answer it settled on",
            "return the FetchResult of the last attempt",
            str(script.trace),
        )
    if script.calls > 1 and not sleeps.requested:
        took = time.monotonic() - began
        fix = "use the `sleep` you are given, so that tests can see the waits without waiting"
        fail(
            f"{call} fetched {script.calls} times and never called the `sleep` it was given; "
            f"it took {took:.2f} s, and the event loop never froze",
            "await sleep(seconds) before each retry (the tests' sleep records the wait)",
            f"asyncio.sleep called directly instead of the `sleep` argument: {fix}"
            if watch_loop and took > MAX_FREEZE
            else [
                f"asyncio.sleep called directly instead of the `sleep` argument: {fix}",
                "no wait at all between two attempts",
            ],
            str(script.trace),
        )
    return result


async def test_waits_with_the_sleep_it_is_given(kata):
    trace = Trace()
    script = Script(trace, answer(503, "1"), OK)
    sleeps = Sleeps(trace)
    result = await _retry(kata, script, sleeps, cap=0.5)  # checks the loop and the sleeps
    if result != OK or len(sleeps.requested) != 1:
        fail(
            f"after a 503 with Retry-After: 1, the waits were "
            f"{[round(w, 3) for w in sleeps.requested]} and the result {_show(result)}",
            "one `await sleep(...)`, then the retry's 200",
            "wait once between two attempts, with the `sleep` argument",
            str(trace),
        )


async def test_a_transient_failure_is_retried_until_it_works(kata):
    trace = Trace()
    failures = [failed("timeout"), answer(500), failed("connect"), answer(429), failed("reset")]
    script = Script(trace, *failures, answer(503), OK, attempts=8)
    sleeps = Sleeps(trace)
    result = await _retry(kata, script, sleeps)
    if result != OK:
        stopped_at = script.answers[script.calls - 1]
        fail(
            f"fetch_with_retries returned {_show(result)} after {script.calls} call(s)",
            f"the 200 of call 7: each of {', '.join(_show(f) for f in script.answers[:6])} is "
            "worth another attempt, and attempts=8 allows them all",
            f"{_show(stopped_at)} was not retried: 429, any 5xx, and the errors timeout, "
            "connect and reset are transient (see is_retryable)",
            str(trace),
        )
    for retry, wait in enumerate(sleeps.requested, start=1):
        if not 0 <= wait <= _envelope(retry) + 1e-9:
            fail(
                f"the wait before retry {retry} was {wait:.3f} s",
                f"a backoff draw between 0 and {_envelope(retry):.2f} s "
                f"(base={BASE}, cap={CAP}): no Retry-After was sent",
                "wait backoff_delay(retry, base, cap, rng) before retry number `retry` "
                "(1 for the first retry)",
                str(trace),
            )
    if len(sleeps.requested) != script.calls - 1:
        fail(
            f"{len(sleeps.requested)} sleeps for {script.calls} calls",
            "one sleep before each retry",
            "sleep once between two attempts: not before the first, not after the last",
            str(trace),
        )


async def test_a_client_error_is_not_retried(kata):
    for final in [answer(404), answer(403), answer(400), answer(410), failed("bad_url"), OK]:
        trace = Trace()
        script = Script(trace, final, OK)
        sleeps = Sleeps(trace)
        result = await _retry(kata, script, sleeps)
        if script.calls != 1 or sleeps.requested:
            fail(
                f"fetch was called {script.calls} times for a URL that answered {_show(final)}",
                f"one call: {_show(final)} is final, asking again gets the same answer "
                "(and spends the host's patience for nothing)",
                [
                    "retrying every status >= 400",
                    "retrying every answer that is not a 200",
                    "deciding with a test of your own instead of is_retryable(result): only "
                    "429, 5xx and the network errors timeout, connect, reset are worth "
                    "another try",
                ],
                str(trace),
            )
        if result != final:
            fail(
                f"fetch_with_retries returned {result!r:.200}",
                f"the {_show(final)} answer exactly as fetch gave it",
                "return the result of the attempt, unchanged, when it is not worth retrying",
                str(trace),
            )


async def test_gives_up_after_the_last_attempt_with_the_reason(kata):
    for forever, attempts in [(answer(503), 4), (failed("timeout"), 3)]:
        trace = Trace()
        script = Script(trace, forever, attempts=attempts)
        sleeps = Sleeps(trace)
        result = await _retry(kata, script, sleeps)
        reason = _show(forever)
        if script.calls != attempts:
            fail(
                f"fetch was called {script.calls} times with attempts={attempts}, for a URL "
                f"that answers {reason} for ever",
                f"exactly {attempts} calls: attempts counts every try, the first included",
                "an off-by-one: `attempts` counts every try, the first one included (for "
                "attempt in range(1, attempts + 1))"
                if abs(script.calls - attempts) == 1
                else "a loop that does not stop at `attempts`",
                str(trace),
            )
        if len(sleeps.requested) != attempts - 1:
            fail(
                f"{len(sleeps.requested)} sleeps for {attempts} attempts",
                f"{attempts - 1}: one before each retry, none after the last attempt",
                "sleeping after the last attempt too: nobody uses that wait"
                if len(sleeps.requested) == attempts
                else "one sleep between two attempts, no more, no fewer",
                str(trace),
            )
        expected = f"gave up after {attempts} attempts: {reason}"
        same = (result.status, result.error) == (forever.status, forever.error)
        if not same or not (result.detail or "").startswith(expected):
            if not same:
                likely = f"return the last answer ({reason}) itself, with the reason added"
            elif result.detail == forever.detail:
                likely = (
                    "the last answer came back as it was, without the reason in its detail: "
                    "dataclasses.replace(result, detail=...) (a FetchResult is frozen); the "
                    "crawl's report shows it"
                )
            else:
                likely = f"the detail must start exactly with {expected!r}"
            fail(
                f"after {attempts} attempts it returned {_show(result)} with detail "
                f"{result.detail!r}",
                f"the last answer ({reason}), with detail starting {expected!r}",
                likely,
                str(trace),
            )


async def test_retry_after_seconds_is_waited_for(kata):
    for status, seconds in [(503, 3), (429, 7)]:
        trace = Trace()
        script = Script(trace, answer(status, str(seconds)), OK)
        sleeps = Sleeps(trace)
        result = await _retry(kata, script, sleeps, cap=1.0)
        waits = sleeps.requested
        if result != OK or len(waits) != 1 or not seconds <= waits[0] <= seconds + 1.0:
            parsed = kata.parse_retry_after(str(seconds), NOW)
            if parsed != seconds:
                likely = (
                    f"parse_retry_after({str(seconds)!r}, now) itself returns {parsed!r}: make "
                    "it pass the parse_retry_after tests first"
                )
            elif waits and waits[0] < seconds:
                likely = (
                    "ignoring Retry-After: the server said when it will be ready, and a retry "
                    "before that only gets another refusal (or a ban). Wait "
                    "max(backoff, parse_retry_after(result.header('Retry-After'), now))"
                )
            else:
                likely = (
                    "one wait before the retry, of max(backoff, what Retry-After asks): the "
                    "backoff alone is at most cap"
                )
            fail(
                f"after {status} with Retry-After: {seconds}, the waits were "
                f"{[round(w, 3) for w in waits]} and the result {_show(result)}",
                f"one wait of at least {seconds} s (and at most {seconds} s + cap), then the "
                "retry's 200",
                likely,
                str(trace),
            )


async def test_retry_after_as_a_date_is_waited_for(kata):
    start = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
    # freezegun fixes "now" for datetime.now() and time.time(); the recording sleep moves it
    # on by the time asked for. real_asyncio=True keeps the event loop on real time.
    with freeze_time(start, real_asyncio=True) as frozen:
        for offset, low in [(5, 5.0), (-60, 0.0)]:
            when = format_datetime(start + timedelta(seconds=offset), usegmt=True)
            trace = Trace()
            trace(f"(now is {format_datetime(datetime.now(UTC), usegmt=True)})")
            script = Script(trace, answer(503, when), OK)
            sleeps = Sleeps(trace, on_sleep=frozen.tick)
            result = await _retry(kata, script, sleeps, watch_loop=False, cap=1.0)
            waits = sleeps.requested
            if result != OK or len(waits) != 1 or not low <= waits[0] <= low + 1.0:
                frozen.move_to(start)
                parsed = kata.parse_retry_after(when, datetime.now(UTC))
                if parsed is None or abs(parsed - max(0.0, offset)) > 1e-3:
                    likely = (
                        f"parse_retry_after({when!r}, now) itself returns {parsed!r}: make it "
                        "pass the parse_retry_after tests first"
                    )
                elif waits and waits[0] < low:
                    likely = (
                        "the HTTP-date form of Retry-After was not waited for (only the "
                        "seconds form, or only the backoff): wait at least "
                        "parse_retry_after(result.header('Retry-After'), datetime.now(UTC))"
                    )
                else:
                    likely = (
                        "an HTTP-date counts from the moment the answer arrived: "
                        "parse_retry_after(value, datetime.now(UTC)) (freezegun fixes that "
                        "`now` here), and the wait is max(backoff, that)"
                    )
                fail(
                    f"after a 503 with Retry-After: {when}, the waits were "
                    f"{[round(w, 3) for w in waits]} and the result {_show(result)}",
                    f"one wait of at least {low:g} s (and at most {low:g} s + cap), then the "
                    "retry's 200"
                    + ("" if low else ": a date in the past means retry now (plus backoff)"),
                    likely,
                    str(trace),
                )
            frozen.move_to(start)


async def test_a_retry_after_too_long_is_not_waited_for(kata):
    trace = Trace()
    script = Script(trace, answer(429, "3600"), OK)
    sleeps = Sleeps(trace)
    result = await _retry(kata, script, sleeps, max_wait=30.0)
    if sleeps.requested or script.calls != 1:
        waited = max(sleeps.requested, default=0.0)
        if waited >= 3600:
            likely = (
                "waiting out any Retry-After: one host asking for an hour holds this fetch, "
                "and its worker, for an hour. Over max_wait, give up at once"
            )
        elif sleeps.requested and abs(waited - 30.0) < 1e-6:
            likely = (
                "capping the wait at max_wait and retrying sooner than asked: rude, and "
                "refused again. Over max_wait, give up at once"
            )
        else:
            likely = "over max_wait, return the answer at once: no sleep, no retry"
        fail(
            f"after a 429 with Retry-After: 3600 (max_wait=30), it slept "
            f"{[round(w, 1) for w in sleeps.requested]} and fetched {script.calls} times",
            "no wait and no retry: the server asked for an hour, more than max_wait, so "
            "return its answer now (the crawl can come back later)",
            likely,
            str(trace),
        )
    if result.status != 429 or "retry-after" not in (result.detail or "").lower():
        fail(
            f"it returned {_show(result)} with detail {result.detail!r}",
            "the 429 itself, with a detail naming the reason, e.g. "
            "'gave up: Retry-After 3600 s is over max_wait 30 s'",
            "return dataclasses.replace(result, detail=...) when Retry-After is over max_wait",
            str(trace),
        )
    await _max_wait_is_read_from_the_argument(kata)


# Other limits than the README's example (30) and the signature's default (60): an answer
# that compares with a number of its own instead of `max_wait` gets one of them wrong.
MAX_WAIT_CASES = [(10.0, 12), (100.0, 70)]  # (max_wait, Retry-After seconds)


async def _max_wait_is_read_from_the_argument(kata) -> None:
    for max_wait, asked in MAX_WAIT_CASES:
        trace = Trace()
        script = Script(trace, answer(429, str(asked)), OK)
        sleeps = Sleeps(trace)
        result = await _retry(kata, script, sleeps, max_wait=max_wait)
        over = asked > max_wait
        if over:
            right = not sleeps.requested and script.calls == 1 and result.status == 429
        else:
            right = (
                len(sleeps.requested) == 1
                and asked - 1e-6 <= sleeps.requested[0] <= asked + CAP + 1e-6
                and result.status == 200
            )
        if not right:
            fail(
                f"after a 429 with Retry-After: {asked} (max_wait={max_wait:g}), it slept "
                f"{[round(w, 1) for w in sleeps.requested]} and fetched {script.calls} times",
                "no wait and no retry: Retry-After is over max_wait"
                if over
                else f"one wait of {asked} s (at most {asked} s + cap), then the retry's 200: "
                "Retry-After is under max_wait",
                "a limit written as a number (the README's 30, or 60) instead of the "
                "`max_wait` argument",
                str(trace),
            )


# -- fetch_with_retries in a fetcher actor, against the fake web --------------------------

FLAKY = "http://a.test/flaky"  # 503, 503, then the page
BUSY = "http://b.test/busy"  # 429 with Retry-After: 1, then the page
DOWN = "http://c.test/down"  # 503 for ever
MISSING = "http://a.test/missing"  # 404
RETRY_AFTER = 1.0
WEB = site_from_pages(
    {},
    flaky(FLAKY, 503, 503, then="<p>ok at last</p>"),
    retry_after(BUSY, f"{RETRY_AFTER:g}", then="<p>served</p>"),
    Resource(DOWN, (Response(status=503, body=""),)),
)
EXPECTED_HITS = {FLAKY: 3, BUSY: 2, DOWN: 4, MISSING: 1}
TOLERANCE = 0.05  # hits are stamped where the server starts answering


async def retry_all(session, fetch_with_retries, urls: list[str]) -> list[FetchResult]:
    """Runs in the fetcher actor: every URL at once, with the real asyncio.sleep."""

    async def fetch(url: str) -> FetchResult:
        return await fetch_page(session, url)

    return await asyncio.gather(
        *(
            fetch_with_retries(fetch, url, attempts=4, base=0.05, cap=0.2, max_wait=5.0)
            for url in urls
        )
    )


# The fixtures (see dojo/web/testing.py): `web`, one fetcher actor and its hit log for this
# module, started while the first tests run; `fresh_web`, the same with an empty log.
web = testing.web
fresh_web = testing.fresh_web


async def _run_in_actor(worker, log, fn, *args, call: str, within: float = 20.0):
    """worker.run(fn, *args), bounded (and cancelled there if it does not finish: a retry
    loop left running would go on hitting the fake web during the tests that follow)."""
    ran = await run_in_worker(worker, fn, *args, within=within)
    if ran.finished:
        return ran.value
    if ran.error is not None:
        fail(
            f"{call} raised in the fetcher actor: {ran.error[:300]}",
            "a FetchResult per URL",
            "an error inside fetch_with_retries",
        )
    await worker.flush.remote()
    fail(
        f"{call} was still running after {within:.0f} s (the fake web was asked "
        f"{await log.counts.remote()} by then)",
        "all four settled within about a second: the retries wait at most cap (0.2 s) or the "
        "busy page's Retry-After (1 s), and c.test/down is given up after 4 attempts",
        "a retry loop that does not stop at `attempts` (c.test/down answers 503 for ever)",
        served(await log.hits.remote()),
    )


def _hit_count_mistakes(counts: dict) -> str | list[str]:
    """What the fake web's request counts (each URL's own) point to."""
    seen = []
    if counts.get(DOWN, 0) > EXPECTED_HITS[DOWN]:
        seen.append(
            f"not stopping at `attempts`: {DOWN} (503 for ever) was asked {counts[DOWN]} times "
            f"with attempts={EXPECTED_HITS[DOWN]}, the first try included"
        )
    elif counts.get(DOWN, 0) < EXPECTED_HITS[DOWN]:
        seen.append(f"giving up before `attempts`: {DOWN} was asked {counts.get(DOWN, 0)} times")
    if counts.get(MISSING, 0) > 1:
        seen.append(f"retrying what is final: {MISSING} answered 404, and was asked again")
    short = [u for u in (FLAKY, BUSY) if counts.get(u, 0) < EXPECTED_HITS[u]]
    if short:
        seen.append(f"not retrying what is transient (503, 429): {short} were asked too few times")
    if len(seen) == 1:
        return seen[0]
    return seen or ["retrying what is final", "not retrying what is transient"]


async def test_retries_against_the_fake_web(kata, fresh_web):
    worker, log = fresh_web
    await worker.load.remote(WEB)
    urls = list(EXPECTED_HITS)
    call = "fetch_with_retries(fetch_page, url, attempts=4, ...) for 4 URLs in a fetcher actor"
    results = await _run_in_actor(worker, log, retry_all, kata.fetch_with_retries, urls, call=call)
    # Every request the run made, delivered (flush returns once the log has them all): waiting
    # for the expected number instead let an extra request to one page stand in for a late one
    # to another (a README-only answer that asked c.test/down 5 times was shown b.test/busy
    # asked once, before its retry landed), and kept a run that asked too few waiting for
    # requests that would never come.
    await worker.flush.remote()
    hits = await log.hits.remote()
    picture = served(hits)
    counts = await log.counts.remote()
    if counts != EXPECTED_HITS:
        fail(
            f"the fake web was asked {counts}",
            f"{EXPECTED_HITS}: the flaky page until it works (3), the busy one after its "
            "Retry-After (2), the broken one `attempts` times (4), the 404 once",
            _hit_count_mistakes(counts),
            picture,
        )
    got = {r.url: r for r in results}
    expected = {
        FLAKY: (200, "<p>ok at last</p>"),
        BUSY: (200, "<p>served</p>"),
        DOWN: (503, ""),
        MISSING: (404, None),
    }
    for url, (status, body) in expected.items():
        result = got.get(url)
        if result is None or result.status != status or (body and result.body != body):
            fail(
                f"for {url} it returned {result!r:.300}",
                f"status {status}" + (f" with the page {body!r}" if body else ""),
                "return the answer of the attempt that settled it",
                picture,
            )
    if "gave up after 4 attempts: 503" not in got[DOWN].detail:
        fail(
            f"for {DOWN} (503 for ever) the detail was {got[DOWN].detail!r}",
            "'gave up after 4 attempts: 503'",
            "replace the last result's detail with the reason it is final",
            picture,
        )
    busy = [h.start for h in hits if h.url == BUSY]
    if busy[1] - busy[0] < RETRY_AFTER - TOLERANCE:
        fail(
            f"{BUSY} answered 429 with Retry-After: {RETRY_AFTER:g} and was asked again "
            f"{busy[1] - busy[0]:.2f} s later",
            f"at least {RETRY_AFTER:g} s between the two requests",
            "the backoff alone, ignoring the server's Retry-After",
            picture,
        )
