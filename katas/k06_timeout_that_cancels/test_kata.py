"""Kata 06 · A timeout that really cancels: the tests your code must pass."""

from dataclasses import dataclass

import pytest
import ray

from dojo.harness.probes import Probe, ProbeReport
from dojo.harness.sim import SlowService, answer
from dojo.harness.teach import fail, finishes_within
from dojo.harness.timing import Stopwatch, warm_workers
from dojo.harness.waiting import wait_until

pytestmark = pytest.mark.timeout(30)

FAST_DELAY = 0.1
ROOMY_DEADLINE = 10.0  # for the fast call: plenty, once a worker is warm

# The slow call takes SLOW_DELAY; the deadline is DEADLINE. A TimeoutError must come about
# DEADLINE after the start (at most PROMPT, generous for a busy machine), while the slow call
# is still working. SLOW_DELAY is finite so that a task nobody cancels ends "ok" soon, and
# long enough that a cancel still lands in time when a very busy machine delays it by seconds.
SLOW_DELAY = 7.0
DEADLINE = 1.5
PROMPT = DEADLINE + 3.0
# After the TimeoutError, how long a slow call that was NOT cancelled may take to end.
ENDED_WITHIN = SLOW_DELAY + 3.0


@dataclass
class _Attempt:
    """How one call_with_deadline ended: a value, or the exception it raised."""

    value: object = None
    error: BaseException | None = None
    seconds: float = 0.0


async def _attempt(coro) -> _Attempt:
    # Catch the learner's TimeoutError here, as a result: finishes_within reads any
    # TimeoutError that reaches it as "the call hung".
    try:
        return _Attempt(value=await coro)
    except (TimeoutError, ray.exceptions.TaskCancelledError) as err:
        return _Attempt(error=err)


async def _timed_attempt(kata, service, item: str, seconds: float) -> _Attempt:
    call = f"call_with_deadline(service, {item!r}, {seconds})"
    with Stopwatch() as watch:
        attempt = await finishes_within(
            _attempt(kata.call_with_deadline(service, item, seconds)), 20, call
        )
    attempt.seconds = watch.elapsed
    return attempt


def _check_is_a_timeout(attempt: _Attempt) -> None:
    call = f"call_with_deadline(service, 'slow', {DEADLINE})"
    if isinstance(attempt.error, ray.exceptions.TaskCancelledError):
        fail(
            f"{call} raised {type(attempt.error).__name__}",
            "TimeoutError: the caller asked for a deadline, and that is how it was missed",
            "awaiting the ref after ray.cancel(ref): a cancelled ref raises "
            "TaskCancelledError. Cancel it, then raise TimeoutError (or re-raise the one "
            "asyncio gave you)",
        )
    if attempt.error is None:
        fail(
            f"{call} returned {attempt.value!r:.60} after {attempt.seconds:.1f} s",
            f"TimeoutError after about {DEADLINE} s: the call takes {SLOW_DELAY} s",
            "waiting for the result with no deadline; bound the wait with "
            "asyncio.wait_for(..., seconds) or `async with asyncio.timeout(seconds)`",
        )


async def _slow_attempt(kata, make_probe) -> tuple[_Attempt, ProbeReport, Probe]:
    """Run call_with_deadline on a call that takes SLOW_DELAY, with DEADLINE to spare.
    Returns how it ended and what the probe saw at that moment."""
    probe = make_probe()
    service = SlowService(probe, delay=SLOW_DELAY)
    await probe.areport()  # the probe actor is up before the call reports to it
    await warm_workers(1)  # the task starts at once: it is running when the deadline hits
    attempt = await _timed_attempt(kata, service, "slow", DEADLINE)
    return attempt, await probe.areport(), probe


async def test_a_fast_call_returns_its_result(kata, make_probe):
    probe = make_probe()
    service = SlowService(probe, delay=FAST_DELAY)
    await probe.areport()
    await warm_workers(1)  # a cold worker can take 10 s to start on a busy machine
    attempt = await _timed_attempt(kata, service, "quick", ROOMY_DEADLINE)
    call = f"call_with_deadline(service, 'quick', {ROOMY_DEADLINE})"
    if attempt.error is not None:
        fail(
            f"{call} raised {type(attempt.error).__name__} after {attempt.seconds:.1f} s",
            f"the result: the call takes {FAST_DELAY} s, well within the deadline",
            "giving up before the deadline (is `seconds` passed on as it is?), or raising "
            "TimeoutError whether or not the call finished in time",
        )
    if isinstance(attempt.value, ray.ObjectRef):
        fail(
            f"{call} returned an ObjectRef, not the result",
            f"{answer('quick')!r}",
            "the task was started but its ref was never awaited",
        )
    report = await probe.areport()
    if attempt.value != answer("quick") or not report.finished("quick", "ok"):
        fail(
            f"{call} returned {attempt.value!r:.60}",
            f"the result of slow_call on Ray: {answer('quick')!r}",
            "returning something other than what slow_call.remote(service, item) gives",
            picture=report.timeline(),
        )


async def test_a_slow_call_times_out_promptly(kata, make_probe):
    attempt, at_timeout, _ = await _slow_attempt(kata, make_probe)
    _check_is_a_timeout(attempt)
    finished = at_timeout.finished("slow", "ok")
    if finished or attempt.seconds > PROMPT:
        fail(
            f"the TimeoutError came {attempt.seconds:.1f} s after the call started"
            + (", once the slow call had already finished its work" if finished else ""),
            f"TimeoutError about {DEADLINE} s after the start (at most {PROMPT} s), while "
            f"the {SLOW_DELAY} s call is still working",
            "waiting for the whole call and only then comparing how long it took; a deadline "
            "must interrupt the waiting: asyncio.wait_for(ref, seconds) or "
            "`async with asyncio.timeout(seconds)`",
            picture=at_timeout.timeline(),
        )


async def test_the_remote_work_really_stops(kata, make_probe):
    attempt, _, probe = await _slow_attempt(kata, make_probe)
    _check_is_a_timeout(attempt)

    async def slow_call_ended():
        report = await probe.areport()
        calls = report.calls
        return report if calls and all(c.end is not None for c in calls) else None

    # A cancelled task ends at once, as "cancelled"; one nobody cancelled ends "ok" when its
    # work is done. (A task cancelled before it even started never shows up at all.)
    report = await wait_until(slow_call_ended, within=ENDED_WITHIN) or await probe.areport()
    completed = report.finished("slow", "ok")
    still_running = report.running
    if completed or still_running:
        happened = (
            f"after the TimeoutError the Ray task ran on and finished its {SLOW_DELAY} s of work"
            if completed
            else f"the Ray task was still running {ENDED_WITHIN:.0f} s after the TimeoutError"
        )
        fail(
            happened,
            "the Ray task is stopped when the deadline passes: its call ends 'cancelled' at once",
            "asyncio.wait_for gave up waiting but the Ray task kept running: asyncio "
            "cancellation does not reach Ray; call ray.cancel(ref)",
            picture=report.timeline(),
        )
    assert all(c.outcome == "cancelled" for c in report.calls), report.timeline()
