"""Failure messages that teach: what happened, what was expected, the likely mistake.

A diagnosis must be earned: name one mistake ("likely mistake: ...") only when what the test
saw points to it; when several mistakes fit the evidence, pass them all and the message lists
them as candidates ("possible mistakes (the test cannot tell which):").
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Sequence

import pytest

LIKELY = "likely mistake:"
CANDIDATES = "possible mistakes (the test cannot tell which):"
# Every lesson carries one of these; `dojo verify` checks that a mutant's rejection does.
TEACHING_MARKS = (LIKELY, CANDIDATES)


def lesson(
    happened: str, expected: str, likely: str | Sequence[str], picture: str | None = None
) -> str:
    """The text of a teaching failure.

    Args:
        happened: what the test observed, in the learner's terms.
        expected: what a right answer does instead.
        likely: the mistake the evidence points to, or a list of the mistakes that all fit
            it (the message then says the test cannot tell which).
        picture: an optional timeline or table shown below the text.

    Examples:
        >>> print(lesson("1 of 4 in flight", "4 at once", ["awaiting in the loop", "ray.get"]))
        1 of 4 in flight
        expected: 4 at once
        possible mistakes (the test cannot tell which):
          - awaiting in the loop
          - ray.get
    """
    candidates = [likely] if isinstance(likely, str) else list(likely)
    if len(candidates) == 1:
        diagnosis = [f"{LIKELY} {candidates[0]}"]
    else:
        diagnosis = [CANDIDATES, *(f"  - {c}" for c in candidates)]
    parts = [happened, f"expected: {expected}", *diagnosis]
    if picture:
        parts += ["", picture]
    return "\n".join(parts)


def fail(happened: str, expected: str, likely: str | Sequence[str], picture: str | None = None):
    """Fail the current test with a teaching message (see `lesson`) and no harness
    traceback."""
    __tracebackhide__ = True
    # `from None`: a test that fails while it handles an exception (a Ray error it caught)
    # must show the lesson only, not that exception's remote traceback before it.
    raise pytest.fail.Exception(
        lesson(happened, expected, likely, picture), pytrace=False
    ) from None


async def finishes_within(awaitable, seconds: float, call: str):
    """Await the learner's coroutine, but turn a hang into a lesson instead of a timeout, and
    a request the cluster can never satisfy (num_cpus=8 on 2 CPUs) into one at once.

    `seconds` counts only the time the machine let the code move: seconds in which Ray
    answered the test's probe late are added (dojo/harness/slowness.py), up to pytest's own
    limit for the test less a margin.

    Given an ObjectRef, a hang also cancels its Ray task: cancelling the asyncio wait alone
    would leave the task running into the next test."""
    import asyncio

    import ray

    from dojo.harness.feasibility import no_infeasible_requests

    started = time.monotonic()
    try:
        async with no_infeasible_requests(), asyncio.timeout(seconds) as limit:
            moving = asyncio.ensure_future(_forgive_slowness(limit, started, seconds))
            try:
                return await awaitable
            finally:
                moving.cancel()
    except TimeoutError:
        if isinstance(awaitable, ray.ObjectRef):
            with contextlib.suppress(Exception):
                ray.cancel(awaitable)
        waited = time.monotonic() - started
        slow = f" ({waited - seconds:.0f} s more forgiven: Ray answered slowly)"
        fail(
            f"{call} was still running after {seconds:.0f} s"
            + (slow if waited - seconds >= 1 else ""),
            f"{call} finishes in a few seconds at most",
            [
                "awaiting something that never completes (a future nobody resolves, a call on "
                "a deadlocked actor)",
                "a loop that never awaits (CPU-bound code such as `while True:` without an "
                "`await` holds the actor's or the event loop's only thread for good)",
                "waiting for work that was never started",
            ],
        )


async def _forgive_slowness(limit, started: float, seconds: float) -> None:
    """Move `limit` (an asyncio.Timeout) on by the seconds the machine was slow, as they
    are found (see finishes_within)."""
    import asyncio

    from dojo.harness import slowness

    loop = asyncio.get_running_loop()
    while True:
        # Look shortly before the limit ends, then often while it is near.
        await asyncio.sleep(max(0.1, limit.when() - loop.time() - 0.3))
        now = time.monotonic()
        until = started + seconds + slowness.forgiven(started, now)
        latest = slowness.latest_verdict()
        if latest is not None:
            until = max(started + seconds, min(until, latest))
        when = loop.time() + (until - now)
        if when > limit.when():
            limit.reschedule(when)


def plain(text: str) -> str:
    """`text` without terminal colours (Ray colours its tracebacks)."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def said(error: BaseException, width: int = 100) -> str:
    """What an exception says, on one line: its first line (the words the code gave it) and,
    for a message of several lines (a Ray error's traceback inside), its last."""
    lines = plain(str(error)).strip().splitlines() or [""]
    return lines[0] if len(lines) == 1 else f"{lines[0][:width]} ... {lines[-1]}"


def were(count: int) -> str:
    """ "was" or "were", agreeing with `count` ("only 1 of 8 calls was in flight")."""
    return "was" if count == 1 else "were"


def below_zero(count) -> bool:
    """A counter the learner keeps went below zero: it was taken away more often than added
    (e.g. in an `except` and again in a `finally`), not a step skipped."""
    return isinstance(count, int | float) and count < 0


def wrapped_in_a_group(error: BaseException | None, kind: type[BaseException]) -> bool:
    """Did the caller get `kind` only wrapped in an ExceptionGroup (what a TaskGroup raises
    when a task fails), instead of the error itself? (Ray's RayTaskError(ExceptionGroup) is an
    ExceptionGroup too, with the group as its cause.)"""
    group = getattr(error, "cause", None) or error
    if not isinstance(group, BaseExceptionGroup):
        return False
    return group.subgroup(kind) is not None


GROUP_WRAPS_IT = (
    "an asyncio.TaskGroup around the call: when a task in it fails, the TaskGroup raises an "
    "ExceptionGroup holding the error, not the error itself. Await the call directly (a "
    "TaskGroup is for several tasks at once), or catch the group with `except*` and raise the "
    "error it holds"
)
