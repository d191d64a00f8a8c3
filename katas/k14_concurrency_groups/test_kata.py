"""Kata 14 · Concurrency groups: the tests your code must pass.

How the tests see inside the actor: every heavy call goes through a SlowService that records
into a probe, and waits at a gate the test holds shut. While the gate is shut no heavy call
can end, so the probe shows exactly how many run at once, and a health() that answers
meanwhile cannot have waited for them. The test opens the gate itself as soon as it has
seen what it needs; the probe's own gate timeout is only a safety net and decides nothing.
The service also marks which thread made each blocking call: a call held on the thread of
heavy's own event loop (an async actor's group) shows at once that no other heavy call can
start, where otherwise the test waits NEXT_CALL_WITHIN for one.
"""

import asyncio
import threading
import time

import pytest

from dojo.harness.actors import killed_at_the_end, outcome
from dojo.harness.sim import CALLED_ON_A_LOOP, OutOfStock, SlowService, answer
from dojo.harness.teach import (
    GROUP_WRAPS_IT,
    below_zero,
    fail,
    finishes_within,
    wrapped_in_a_group,
)
from dojo.harness.waiting import wait_until

pytestmark = pytest.mark.timeout(30)

WORK_SLOTS = 2
# More heavy calls than work slots: WORK_SLOTS run (held at a gate), the others queue.
JOBS = [f"job-{i}" for i in range(1, WORK_SLOTS + 3)]
DELAY = 0.2

HOLD = "hold the heavy calls"
# Safety net only: the test always opens the gate itself, long before this.
GATE_TIMEOUT = 60.0

# The first heavy call may wait for the actor to start (seconds on a busy machine).
FIRST_CALL_WITHIN = 20.0
# Once one heavy call runs, the next queued one starts in milliseconds if a slot is free
# (same actor, threads already there). Seeing no second call for this long means there is
# no second slot.
NEXT_CALL_WITHIN = 3.0
# Once WORK_SLOTS heavy calls run, how long the test watches for one more to start (and,
# in the health test, how long it waits for the second call before asking health anyway).
SETTLE = 1.0
# A health() with a slot of its own answers in milliseconds; one waiting for a work slot
# never answers while the gate is shut.
HEALTH_WITHIN = 4.0

HEALTHY_IDLE = {"status": "ok", "working": 0}

# Ray runs each concurrency group of an async actor (a class with any `async def` method) on
# one event loop, in one thread of its own named after the group ("default" for the methods
# in no group), and a plain `def` method of such an actor runs on that loop too. So every
# heavy call starts on the thread of heavy's group: while a blocking call holds that thread,
# no other heavy call can start. (A Ray that names its threads otherwise only loses the
# early verdict below: the NEXT_CALL_WITHIN wait decides, as before.)
RAY_GROUP_LOOP_THREAD = "AsyncIO Thread: {}"
RAY_DEFAULT_GROUP = "default"
# The mark the test's service leaves for each blocking call: the item and its thread's name.
CALLED_ON_THREAD = "service.call({item!s}) on thread {thread}"


@pytest.fixture
def actors(ray_cluster):
    """Keep every actor a test creates, and kill it when the test ends, whatever happened."""
    with killed_at_the_end() as keep:
        yield keep


async def _outcome(ref):
    """The result of a call, or the error it raised (NOT DONE YET goes on up)."""
    return await outcome(ref)


def _service_class_noting_threads() -> type[SlowService]:
    """A SlowService whose blocking call also marks which thread made it (CALLED_ON_THREAD).
    Made inside a function so that Ray pickles the class by value: an actor's worker gets it
    without importing this test module."""

    class SlowServiceNotingThreads(SlowService):
        def call(self, item):
            thread = threading.current_thread().name
            self.probe.mark(CALLED_ON_THREAD.format(item=item, thread=thread))
            return SlowService.call(self, item)

    return SlowServiceNotingThreads


_SlowServiceNotingThreads = _service_class_noting_threads()


def _held_service(probe) -> SlowService:
    return _SlowServiceNotingThreads(probe, delay=DELAY, gates=dict.fromkeys(JOBS, HOLD))


def _heavy_loop_thread(actor_class) -> str:
    """The name of the thread whose event loop runs heavy's calls if the actor is an async
    actor (a threaded actor has no such thread: the name then never shows up in a mark)."""
    metadata = getattr(actor_class, "__ray_metadata__", None)
    groups = getattr(getattr(metadata, "method_meta", None), "concurrency_group_for_methods", {})
    return RAY_GROUP_LOOP_THREAD.format(groups.get("heavy", RAY_DEFAULT_GROUP))


def _held_on_the_loop(report, loop_thread: str) -> list[str]:
    """The heavy calls held at the gate whose blocking service.call runs on `loop_thread`.

    Conclusive: such a call holds the thread of heavy's group's only event loop, and with
    the gate shut it cannot end; until the test opens the gate that loop runs nothing, so no
    other heavy call can start. Waiting for one longer cannot change the count."""
    return [
        c.label
        for c in report.running
        if CALLED_ON_THREAD.format(item=c.label, thread=loop_thread) in report.marks
    ]


_HEAVY_BLOCKS_ITS_LOOP = (
    "an `async def heavy` that calls the blocking service.call on its group's event loop "
    "(the service saw its call made on an event loop's thread): that loop runs nothing else "
    "until the call returns, so one heavy call runs at a time. Either keep heavy async and "
    "`await asyncio.to_thread(self.service.call, item)`, or make every method of the actor a "
    "plain `def` (its groups then run in threads; while any method is `async def`, Ray runs "
    "even a plain `def` on its group's event loop)"
)


def _blocked_a_loop(report) -> bool:
    """Whether the service's blocking call was made on an event loop's thread."""
    return CALLED_ON_A_LOOP in report.marks


def _running(report) -> int:
    return len(report.running)


async def _first_running(probe, calls: list[asyncio.Future]) -> None:
    """Wait until a heavy call is running (held at the gate). If a call ends first, its
    error (NOT DONE YET, ...) is the real story."""

    async def started():
        return any(c.done() for c in calls) or _running(await probe.areport()) >= 1

    await wait_until(started, within=FIRST_CALL_WITHIN)
    for call in calls:
        if call.done() and call.exception() is not None:
            await call
    report = await probe.areport()
    if _running(report) < 1:
        fail(
            f"no heavy call had reached the service {FIRST_CALL_WITHIN:.0f} s after "
            f"{len(JOBS)} were sent",
            "heavy calls self.service.call(item) at once",
            "heavy never calls self.service.call(item)",
            picture=report.timeline(),
        )


async def _until_settled(
    probe, want: int, loop_thread: str, quiet: float = NEXT_CALL_WITHIN
) -> tuple[int, bool]:
    """Wait until `want` heavy calls run at once, or until no new one has started for
    `quiet` seconds, or until a held call blocks heavy's event loop (`_held_on_the_loop`:
    then no other can start); return how many run, and whether the loop was seen blocked."""
    seen = {"count": -1, "since": time.monotonic(), "blocked": False}

    async def settled():
        report = await probe.areport()
        count = _running(report)
        if count != seen["count"]:
            seen["count"], seen["since"] = count, time.monotonic()
        seen["blocked"] = bool(_held_on_the_loop(report, loop_thread))
        return count >= want or seen["blocked"] or time.monotonic() - seen["since"] > quiet

    await wait_until(settled, within=FIRST_CALL_WITHIN)
    if seen["blocked"]:
        # The count cannot have grown since: no heavy call starts while the loop is held.
        return seen["count"], True
    return _running(await probe.areport()), False


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


# The lesson when the count went below zero (teach.below_zero).
_TAKEN_AWAY_TWICE = (
    "the 1 taken away twice for one call: e.g. in an `except` and again in the `finally`. "
    "Take it away in the `finally` only: it runs however the call ends"
)


def _check_status(status, when: str) -> None:
    if not (isinstance(status, dict) and status.get("status") == "ok" and "working" in status):
        fail(
            f"health() {when} returned {status!r:.100}",
            '{"status": "ok", "working": <heavy calls in progress>}',
            'health returns {"status": "ok", "working": self.working}',
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
    status = await finishes_within(_outcome(actor.health.remote()), 25, "health()")
    when = "after heavy('ant') had returned"
    _check_status(status, when)
    if status["working"] != 0:
        fail(
            f"health() {when} reported {status['working']!r} heavy calls in progress",
            "0: no heavy call is running any more",
            _TAKEN_AWAY_TWICE
            if below_zero(status["working"])
            else "heavy adds 1 to self.working but never takes it away when the call ends",
        )
    failed = await finishes_within(_outcome(actor.heavy.remote("broken")), 25, "heavy('broken')")
    if not isinstance(failed, OutOfStock):
        fail(
            f"heavy('broken') gave {failed!r:.100}, while the service raised OutOfStock",
            "the service's OutOfStock error, raised to the caller",
            GROUP_WRAPS_IT
            if wrapped_in_a_group(failed, OutOfStock)
            else "catching the service's error in heavy instead of letting it go on up",
        )
    status = await finishes_within(_outcome(actor.health.remote()), 25, "health()")
    when = "after heavy('broken') had raised OutOfStock"
    _check_status(status, when)
    if status != HEALTHY_IDLE:
        fail(
            f"health() {when} reported {status['working']!r} heavy calls in progress (after "
            "the call that returned, it had said 0)",
            "0: a call that raised is over too",
            _TAKEN_AWAY_TWICE
            if below_zero(status["working"])
            else "the 1 is taken away only when the service returns: when self.service.call "
            "raises, the line after it never runs. Take it away in a `finally`",
        )


async def test_health_answers_while_work_is_saturated(kata, make_probe, actors):
    probe = make_probe(gate_timeout=GATE_TIMEOUT)
    actor = actors(kata.Service.remote(_held_service(probe)))
    loop_thread = _heavy_loop_thread(kata.Service)
    calls = [asyncio.ensure_future(actor.heavy.remote(job)) for job in JOBS]
    health = None
    try:
        try:
            await _first_running(probe, calls)
            # Both work slots busy (the rest wait in the queue); this test is not about how
            # many run, so it does not wait long for the second one (nor at all once a held
            # call blocks heavy's event loop: no second one can start).
            await _until_settled(probe, WORK_SLOTS, loop_thread, quiet=SETTLE)
            before = await probe.areport()
            health = asyncio.ensure_future(_outcome(actor.health.remote()))
            await asyncio.wait([health], timeout=HEALTH_WITHIN)
            report = await probe.areport()
        finally:
            await probe.open_gate(HOLD)  # health has answered (or not): let them go
        running = _running(report)
        if not health.done():
            # Conclusive: the gate was shut all along, so health waited for the heavy calls.
            # Once they are let through, it answers: that shows what it was waiting for.
            await finishes_within(health, 25, "health() once the heavy calls were let through")
            if _blocked_a_loop(report) or _held_on_the_loop(report, loop_thread):
                # Earned: the service saw its blocking call made on an event loop's thread.
                # Health then waited too, in a group of its own: Ray now and then holds it
                # behind the blocked group (7 runs in 36 with both cores busy).
                likely = _HEAVY_BLOCKS_ITS_LOOP
            elif running < WORK_SLOTS:
                likely = [
                    "no concurrency groups: a sync actor runs one call at a time, so health "
                    "queues behind every heavy call sent before it. Give health its own "
                    "group: @ray.method(concurrency_group='health')",
                    "health in heavy's group, and that group of one slot: health waits "
                    "for the heavy call that holds it",
                ]
            else:
                likely = [
                    "health in the same group as heavy: it waits for a free work slot. Give "
                    "it its own group: @ray.method(concurrency_group='health')",
                    "one pool for every method (max_concurrency): the heavy calls take all "
                    "its threads",
                ]
            fail(
                f"health() had not answered {HEALTH_WITHIN:.0f} s after it was sent, while "
                f"{running} heavy call(s) were held and the others queued; it answered only "
                "once the test let the heavy calls through",
                "health answers at once while the work slots are busy and more heavy calls queue",
                likely,
                picture=report.timeline(),
            )
        status = health.result()
        # With the gate shut no heavy call ends: the count can only grow while health runs.
        low, high = _running(before), running
        when = f"while {high} heavy calls were held"
        _check_status(status, when)
        if not low <= status["working"] <= high:
            fail(
                f"health() {when} reported {status['working']!r} heavy calls in progress",
                f"{high}: the heavy calls between starting and ending right now",
                "heavy never adds 1 to self.working before it calls the service"
                if status["working"] == 0
                else "heavy must add 1 to self.working when it starts (under self.lock: the "
                "heavy calls run in several threads) and take it away when it ends",
                report.timeline(),
            )
        await _check_replies(calls, report.timeline())
    finally:
        _forget(calls if health is None else [*calls, health])


async def test_the_work_group_runs_two_heavy_calls_at_a_time(kata, make_probe, actors):
    probe = make_probe(gate_timeout=GATE_TIMEOUT)
    actor = actors(kata.Service.remote(_held_service(probe)))
    loop_thread = _heavy_loop_thread(kata.Service)
    calls = [asyncio.ensure_future(actor.heavy.remote(job)) for job in JOBS]
    try:
        try:
            await _first_running(probe, calls)
            together, loop_blocked = await _until_settled(probe, WORK_SLOTS, loop_thread)
            if together >= WORK_SLOTS:
                # A pool with room for more starts the queued calls at once.
                async def one_more_started():
                    return _running(await probe.areport()) > WORK_SLOTS

                await wait_until(one_more_started, within=SETTLE)
            held = await probe.areport()
        finally:
            await probe.open_gate(HOLD)
        if together < WORK_SLOTS:
            waited = (
                f"could not start: the held call's blocking service.call ran on the thread "
                f"of heavy's only event loop ({loop_thread!r}), so that loop ran nothing else "
                "while it was held"
                if loop_blocked
                else f"waited although {NEXT_CALL_WITHIN:.0f} s passed with a free slot"
            )
            fail(
                f"only {together} heavy call ran at a time: with {len(JOBS)} sent, the others "
                f"{waited}",
                f"{WORK_SLOTS} heavy calls at once: the work group has {WORK_SLOTS} slots",
                _HEAVY_BLOCKS_ITS_LOOP
                if loop_blocked or _blocked_a_loop(held)
                else [
                    "a work group of 1 slot: concurrency_groups={'health': 1, 'work': 2}",
                    "no concurrency groups: a sync actor runs one call at a time",
                    "self.lock held across the blocking service.call: the lock lets one heavy "
                    "call through at a time. Hold it only while changing self.working",
                ],
                picture=held.timeline(),
            )
        await _check_replies(calls)
    finally:
        _forget(calls)
    report = await probe.areport()
    if report.peak > WORK_SLOTS:
        fail(
            f"{report.peak} heavy calls ran at once",
            f"at most {WORK_SLOTS}: the service allows no more, the others wait their turn",
            [
                "no group on heavy, one big pool for every method (max_concurrency): nothing "
                "caps heavy alone. Put it in concurrency_groups={'work': 2} with "
                "@ray.method(concurrency_group='work')",
                f"a work group with more than {WORK_SLOTS} slots",
            ],
            picture=report.timeline(),
        )
