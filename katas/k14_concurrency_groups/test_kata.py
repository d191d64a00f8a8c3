"""Kata 14 · Concurrency groups: the tests your code must pass."""

import asyncio
import contextlib

import pytest
import ray

from dojo import NotDoneYet
from dojo.harness.sim import OutOfStock, SlowService, answer
from dojo.harness.teach import fail, finishes_within
from dojo.harness.timing import Stopwatch
from dojo.harness.waiting import wait_until

pytestmark = pytest.mark.timeout(30)

WORK_SLOTS = 2
# More heavy calls than work slots: WORK_SLOTS run (held at a gate), the others queue.
JOBS = [f"job-{i}" for i in range(1, WORK_SLOTS + 3)]
DELAY = 0.2

# The heavy calls wait at a gate the test opens only after health() has answered. Nobody
# else opens it before GATE_TIMEOUT: if it says "timeout", health waited for the heavy calls.
HOLD = "hold the heavy calls"
GATE_TIMEOUT = 5.0

# Once WORK_SLOTS heavy calls are running, how long the test watches for one more to start.
# A pool with room for more starts the queued calls at once.
SETTLE = 1.0

HEALTHY_IDLE = {"status": "ok", "working": 0}


@pytest.fixture
def actors(ray_cluster):
    """Keep every actor a test creates, and kill it when the test ends, whatever happened."""
    made = []

    def keep(handle):
        made.append(handle)
        return handle

    yield keep
    for handle in made:
        with contextlib.suppress(Exception):
            ray.kill(handle)


async def _outcome(ref):
    """The result of a call, or the error it raised (NOT DONE YET goes on up)."""
    try:
        return await ref
    except NotDoneYet:
        raise
    except Exception as error:
        return error


def _held_service(probe) -> SlowService:
    return SlowService(probe, delay=DELAY, gates=dict.fromkeys(JOBS, HOLD))


def _running(report) -> int:
    return len(report.running)


async def _until_running(probe, calls: list[asyncio.Future], count: int) -> None:
    """Wait until `count` heavy calls are running (held at the gate). If a call ends first,
    its error (NOT DONE YET, ...) is the real story; if it succeeded, the gate gave up while
    fewer than `count` calls ran together."""

    async def ready():
        return any(c.done() for c in calls) or _running(await probe.areport()) >= count

    await wait_until(ready, within=20)
    for call in calls:
        if call.done() and call.exception() is not None:
            await call
    report = await probe.areport()
    if _running(report) < count:
        fail(
            f"only {report.peak} heavy call(s) ran at once, with {len(JOBS)} waiting their turn "
            f"(the held calls were let through when the gate gave up after {GATE_TIMEOUT:.0f} s)",
            f"{WORK_SLOTS} heavy calls at once: the work group has {WORK_SLOTS} slots",
            "no concurrency groups (a sync actor runs one call at a time), or a work group "
            f"smaller than {WORK_SLOTS}: concurrency_groups={{'health': 1, 'work': 2}} and "
            "@ray.method(concurrency_group='work') on heavy",
            picture=report.timeline(),
        )


def _forget(calls: list[asyncio.Future]) -> None:
    """Stop waiting for calls a failed test leaves behind (no "never retrieved" noise)."""
    for call in calls:
        if not call.done():
            call.cancel()
        elif not call.cancelled():
            call.exception()


async def _check_replies(calls, picture=None) -> None:
    replies = await finishes_within(asyncio.gather(*calls), 25, f"{len(JOBS)} heavy calls")
    expected = [answer(job) for job in JOBS]
    if replies != expected:
        fail(
            f"the heavy calls returned {replies!r:.200}",
            f"the service's reply for each item: {expected!r:.200}",
            "heavy must return what self.service.call(item) gives",
            picture,
        )


def _check_health(status, expected: dict, when: str, picture=None) -> None:
    if status == expected:
        return
    if isinstance(status, dict) and status.get("status") == "ok" and "working" in status:
        fail(
            f"health() {when} reported {status['working']!r} heavy calls in progress",
            f"{expected['working']} (the heavy calls between starting and ending right now)",
            "heavy must add 1 to self.working when it starts and take it away when it ends, "
            "in a `finally`, so that a failed call is uncounted too",
            picture,
        )
    fail(
        f"health() {when} returned {status!r:.100}",
        f"{expected!r}",
        'health returns {"status": "ok", "working": self.working}',
        picture,
    )


async def test_heavy_returns_the_reply_and_health_reports_ok(kata, make_probe, actors):
    probe = make_probe()
    service = SlowService(probe, delay=0.05, failures={"broken": OutOfStock("broken")})
    actor = actors(kata.Service.remote(service))
    reply = await finishes_within(_outcome(actor.heavy.remote("ant")), 25, "heavy('ant')")
    if reply != answer("ant"):
        fail(
            f"heavy('ant') returned {reply!r:.100}",
            f"the service's reply: {answer('ant')!r}",
            "heavy must return what self.service.call(item) gives",
        )
    failed = await finishes_within(_outcome(actor.heavy.remote("broken")), 25, "heavy('broken')")
    if not isinstance(failed, OutOfStock):
        fail(
            f"heavy('broken') gave {failed!r:.100}",
            "the service's OutOfStock error, raised to the caller",
            "catching the service's error in heavy instead of letting it go on up",
        )
    status = await finishes_within(_outcome(actor.health.remote()), 25, "health()")
    _check_health(status, HEALTHY_IDLE, "after two finished heavy calls (one failed)")


async def test_health_answers_while_work_is_saturated(kata, make_probe, actors):
    probe = make_probe(gate_timeout=GATE_TIMEOUT)
    actor = actors(kata.Service.remote(_held_service(probe)))
    calls = [asyncio.ensure_future(actor.heavy.remote(job)) for job in JOBS]
    try:
        try:
            await _until_running(probe, calls, 1)

            async def slots_busy():
                return _running(await probe.areport()) >= WORK_SLOTS

            await wait_until(slots_busy, within=SETTLE)  # the rest wait in the queue
            with Stopwatch() as watch:
                status = await finishes_within(
                    _outcome(actor.health.remote()), 25, "health() while the work slots are busy"
                )
            report = await probe.areport()
        finally:
            await probe.open_gate(HOLD)  # health has answered (or the test failed): let them go
        if report.gates.get(HOLD) != "closed":
            fail(
                f"health() answered only after {watch.elapsed:.1f} s, once the held heavy calls "
                f"had been let through (the gate gave up after {GATE_TIMEOUT:.0f} s)",
                "health answers at once while the work slots are busy and more heavy calls queue",
                "health shares the threads of the heavy calls: with no groups a sync actor runs "
                "one call at a time, and in the same group as heavy it waits for a free work "
                "slot. Give health its own group: @ray.method(concurrency_group='health')",
                picture=report.timeline(),
            )
        _check_health(
            status,
            {"status": "ok", "working": _running(report)},
            f"while {_running(report)} heavy calls were held",
            report.timeline(),
        )
        await _check_replies(calls, report.timeline())
    finally:
        _forget(calls)


async def test_work_group_runs_at_most_two_heavy_calls(kata, make_probe, actors):
    probe = make_probe(gate_timeout=GATE_TIMEOUT)
    actor = actors(kata.Service.remote(_held_service(probe)))
    calls = [asyncio.ensure_future(actor.heavy.remote(job)) for job in JOBS]
    try:
        try:
            await _until_running(probe, calls, WORK_SLOTS)

            async def one_more_started():
                return _running(await probe.areport()) > WORK_SLOTS

            await wait_until(one_more_started, within=SETTLE)
        finally:
            await probe.open_gate(HOLD)
        await _check_replies(calls)
    finally:
        _forget(calls)
    report = await probe.areport()
    if report.peak > WORK_SLOTS:
        fail(
            f"{report.peak} heavy calls ran at once",
            f"at most {WORK_SLOTS}: the service allows no more, the others wait their turn",
            "nothing limits the heavy calls: max_concurrency sets one pool for every method; "
            "a group of its own, concurrency_groups={'work': 2} with "
            "@ray.method(concurrency_group='work'), caps heavy alone",
            picture=report.timeline(),
        )
