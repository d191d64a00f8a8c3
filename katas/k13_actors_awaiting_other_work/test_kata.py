"""Kata 13 · Actors awaiting other work: the tests your code must pass."""

import asyncio
import contextlib
import time

import pytest
import ray

from dojo import NotDoneYet
from dojo.harness.sim import SlowService, answer
from dojo.harness.teach import fail, finishes_within
from dojo.harness.timing import Stopwatch
from dojo.harness.waiting import wait_until

# Starting the actor and warming worker processes happen inside the tests and may take tens
# of seconds on a crowded machine (each wait is bounded on its own); the limit covers them.
pytestmark = pytest.mark.timeout(90)

ITEMS = ["ant", "bee"]

# CALLERS combine calls of ITEMS_EACH items each, sent to ONE Aggregator at once. Every
# lookup is held at a gate until all BARRIER of them are in flight together (then the test
# opens it). An actor whose loop is blocked by one caller, or a combine that looks its items
# up one at a time, never gets there: once no new lookup has arrived for BARRIER_IDLE
# seconds, the test lets them go and reports how many were in flight.
CALLERS = 2
ITEMS_EACH = 2
BARRIER = CALLERS * ITEMS_EACH
FIRST_LOOKUP_WITHIN = 30.0  # the first lookup may wait for a new worker process
BARRIER_IDLE = 8.0  # generous: on a crowded machine idle workers are reaped and restart slowly

# In the ping test, the lookups wait at a gate the test opens only after ping() has
# answered. Nobody else opens it before GATE_TIMEOUT: if it says "timeout", ping waited for
# the lookups.
HOLD = "hold the lookups"
GATE_TIMEOUT = 5.0

# A self-call that awaits answers in milliseconds; one that blocks never answers.
SELF_CALL_WITHIN = 5.0
# The given deadlock demonstration gives up after this long (inside the actor).
DEMO_TIMEOUT = 1.0


@pytest.fixture
def actors(ray_cluster):
    """Keep every actor a test creates, and kill it when the test ends, whatever happened
    (a deadlocked actor never comes back by itself)."""
    made = []

    def keep(handle):
        made.append(handle)
        return handle

    yield keep
    for handle in made:
        with contextlib.suppress(Exception):
            ray.kill(handle)


WARM = "warm-up"


@ray.remote(num_cpus=0)
def _hold_a_worker(service):
    return service.call(WARM)


def _start_warming(probe, n: int) -> list:
    """Start n tasks that each hold a worker process at the gate WARM of the test's probe.
    Started together with the actors, so the processes start while the actors do. (Ray
    starts worker processes lazily, about two at a time, and stops idle extras after about
    a second: warming up first means no lookup waits for a new process.)"""
    service = SlowService(probe, delay=0.0, gates={WARM: WARM})
    return [_hold_a_worker.remote(service) for _ in range(n)]


async def _warmed(probe, holders: list) -> None:
    """Wait until all the warm-up tasks hold a worker at once, then let them go: right after
    this, n idle worker processes are ready for the lookups."""

    async def all_holding():
        return sum(c.label == WARM for c in (await probe.areport()).running) >= len(holders)

    await wait_until(all_holding, within=25)
    await probe.open_gate(WARM)
    await finishes_within(asyncio.gather(*holders), 25, "warming up worker processes")


async def _started(aggregator) -> None:
    """Wait until the actor is up (a new worker process), so timing starts after that."""
    await finishes_within(aggregator.ping.remote(), 25, "starting the Aggregator (ping)")


def _check_combined(result, items, picture=None) -> None:
    call = f"combine(service, {items!r})"
    expected = {item: answer(item) for item in items}
    if isinstance(result, dict) and any(isinstance(v, ray.ObjectRef) for v in result.values()):
        fail(
            f"{call} returned ObjectRefs, not replies",
            f"the replies themselves: {expected!r}",
            "the lookup tasks were started but their refs were never awaited",
            picture,
        )
    if result != expected:
        fail(
            f"{call} returned {result!r:.200}",
            f"{{item: reply}} for every item: {expected!r}",
            "the result must map each item to what lookup(service, item) returned",
            picture,
        )


async def _until_running(probe, call: asyncio.Future, count: int, what: str):
    """Wait until `count` service calls are running in the probe. If the learner's call ends
    first, await it here: its error (NOT DONE YET, ...) is the real story."""

    async def ready():
        return call.done() or sum(c.label != WARM for c in (await probe.areport()).running) >= count

    if not await wait_until(ready, within=20):
        report = await probe.areport()
        fail(
            f"{what}: no lookup had started after 20 s",
            f"{count} lookup(s) running, held at a gate by the test",
            "combine never started the lookup tasks (lookup.remote(service, item))",
            report.timeline(),
        )
    if call.done():
        result = await call
        report = await probe.areport()
        fail(
            f"{what} returned {result!r:.100} while its lookups were still held at a gate",
            "combine returns only once every lookup has answered",
            "returning before awaiting the lookup refs",
            report.timeline(),
        )


async def _outcome(ref):
    """The result of a call, or the Ray error it raised (finishes_within would read a
    GetTimeoutError, which is a TimeoutError, as a hang of its own)."""
    try:
        return await ref
    except NotDoneYet:
        raise
    except ray.exceptions.RayError as error:
        return error


async def test_combine_returns_every_reply(kata, make_probe, actors):
    probe = make_probe()
    service = SlowService(probe, delay=0.05)
    aggregator = actors(kata.Aggregator.remote())
    await _started(aggregator)
    result = await finishes_within(
        aggregator.combine.remote(service, ITEMS), 25, f"combine(service, {ITEMS!r})"
    )
    report = await probe.areport()
    _check_combined(result, ITEMS, report.timeline())
    looked_up = sorted(c.label for c in report.finished(outcome="ok"))
    if looked_up != sorted(ITEMS):
        fail(
            f"the service saw the calls {looked_up!r}",
            f"one lookup per item: {sorted(ITEMS)!r}",
            "each item must be looked up exactly once, with lookup.remote(service, item)",
            report.timeline(),
        )


async def _until_all_in_flight(probe, labels: set, calls: list, idle: float):
    """Poll until every call in `labels` is in flight at once (held at a gate). Like a probe
    barrier, give up once no new one has arrived for `idle` seconds. If a learner's call ends
    first, await it: its error (NOT DONE YET, ...) is the real story."""
    seen, last_arrival = 0, time.monotonic()
    first_within = time.monotonic() + FIRST_LOOKUP_WITHIN
    while True:
        if any(call.done() for call in calls):
            for call in calls:
                if call.done() and call.exception() is not None:
                    await call
        report = await probe.areport()
        running = sum(c.label in labels for c in report.running)
        if running >= len(labels):
            return report
        if running > seen:
            seen, last_arrival = running, time.monotonic()
        elif seen == 0 and time.monotonic() < first_within:
            pass  # nothing started yet: a worker process may still be starting
        elif time.monotonic() - last_arrival > idle:
            return report
        await asyncio.sleep(0.02)


async def test_concurrent_callers_are_not_serialised(kata, make_probe, actors):
    # The test opens the gate itself (all in flight, or nobody new for BARRIER_IDLE). The
    # gate's own timeout must not beat it: on a crowded machine the lookups of a right
    # answer can arrive seconds apart (Ray reaps idle workers and restarts them slowly), and
    # a gate that opened early let the first ones finish before the last arrived.
    probe = make_probe(gate_timeout=FIRST_LOOKUP_WITHIN + BARRIER_IDLE + 10)
    holders = _start_warming(probe, BARRIER)
    aggregator = actors(kata.Aggregator.remote())
    batches = [[f"c{c}-item{i}" for i in range(ITEMS_EACH)] for c in range(CALLERS)]
    labels = {item for batch in batches for item in batch}
    service = SlowService(probe, delay=0.0, gates=dict.fromkeys(labels, HOLD))
    await _started(aggregator)
    await _warmed(probe, holders)  # BARRIER worker processes are up: no lookup waits for one
    calls = [asyncio.ensure_future(aggregator.combine.remote(service, b)) for b in batches]
    try:
        try:
            at_most = await _until_all_in_flight(probe, labels, calls, BARRIER_IDLE)
        finally:
            await probe.open_gate(HOLD)  # all in flight (or given up): let them go
        results = await finishes_within(
            asyncio.gather(*calls), 25, f"{CALLERS} combine calls on one Aggregator"
        )
    finally:
        for call in calls:
            if not call.done():
                call.cancel()  # the test failed: stop waiting for it
    report = await probe.areport()
    for batch, result in zip(batches, results, strict=True):
        _check_combined(result, batch, report.timeline())
    # Held at the gate together when the test let them go, or overlapping at any time.
    together = max(sum(c.label in labels for c in at_most.running), report.peak_among(labels))
    if together >= BARRIER:
        return
    own_peak = max(report.peak_among(set(batch)) for batch in batches)
    if own_peak < ITEMS_EACH and report.peak_among(labels) >= CALLERS:
        likely = (
            "each combine looked its items up one at a time (awaiting each lookup before "
            "starting the next): start every lookup task first, then await them together"
        )
    elif own_peak < ITEMS_EACH:
        likely = (
            "one lookup at a time in the whole actor: a blocking wait per item inside the "
            "async method (ray.get(ref) in the loop) holds the actor's only thread"
        )
    else:
        likely = (
            "the callers were served one after another: while one combine waited, the actor's "
            "event loop was blocked (ray.get(...) inside an async method), so the next call "
            "could not start. Use `await asyncio.gather(*refs)`"
        )
    fail(
        f"only {together} of {BARRIER} lookups were in flight at once "
        f"({CALLERS} callers × {ITEMS_EACH} items, held at a gate; the test waited "
        f"{BARRIER_IDLE:.0f} s for one more, then let them go)",
        f"all {BARRIER} lookups in flight together: the callers overlap, and so do the items "
        "of each caller",
        likely,
        picture=report.timeline(),
    )


async def _check_ping_while_held(aggregator, probe, call, what: str) -> None:
    try:
        await _until_running(probe, call, 1, what)
        with Stopwatch() as watch:
            pong = await finishes_within(aggregator.ping.remote(), 25, f"ping() while {what} waits")
        report = await probe.areport()
    finally:
        await probe.open_gate(HOLD)  # ping has answered (or the test failed): let them go
    if report.gates.get(HOLD) != "closed":
        fail(
            f"ping() answered only after {watch.elapsed:.1f} s, once the held lookups had been "
            f"let through (the gate gave up after {GATE_TIMEOUT:.0f} s) and combine had its "
            "replies",
            "ping answers at once, while combine is still waiting for its lookups",
            "a blocking wait inside the async method: ray.get(refs) holds the actor's only "
            "event-loop thread, so no other call can run until it returns. "
            "Use `await asyncio.gather(*refs)`",
            picture=report.timeline(),
        )
    assert pong == "pong", f"ping() returned {pong!r}"


async def test_loop_keeps_serving_while_combine_waits(kata, make_probe, actors):
    items = ["held-1", "held-2"]
    probe = make_probe(gate_timeout=GATE_TIMEOUT)
    holders = _start_warming(probe, len(items))
    service = SlowService(probe, delay=0.0, gates=dict.fromkeys(items, HOLD))
    aggregator = actors(kata.Aggregator.remote())
    await _started(aggregator)
    await _warmed(probe, holders)
    what = f"combine(service, {items!r})"
    call = asyncio.ensure_future(aggregator.combine.remote(service, items))
    try:
        await _check_ping_while_held(aggregator, probe, call, what)
        result = await finishes_within(call, 25, what)
    finally:
        if not call.done():
            call.cancel()  # the test failed: stop waiting for it
    _check_combined(result, items, (await probe.areport()).timeline())


async def test_calling_itself_with_await_does_not_deadlock(kata, actors):
    caller = actors(kata.SelfCaller.remote())
    expected = await finishes_within(caller.other.remote(), 25, "starting SelfCaller (other)")
    reply = asyncio.ensure_future(caller.other_via_await.remote())
    done, _ = await asyncio.wait({reply}, timeout=SELF_CALL_WITHIN)
    if not done:
        reply.cancel()  # stop waiting here; the fixture kills the deadlocked actor
        fail(
            f"other_via_await() had not answered after {SELF_CALL_WITHIN:.0f} s: the actor is "
            "deadlocked",
            f"it returns other()'s answer ({expected!r}) within milliseconds",
            "ray.get(...) on a call to the SAME actor: the actor's only thread waits for "
            "other(), and other() needs that thread to run. `await` the ref instead: the loop "
            "is then free to run other()",
        )
    result = await reply
    if isinstance(result, ray.ObjectRef):
        fail(
            "other_via_await() returned an ObjectRef, not other()'s answer",
            repr(expected),
            "the call was sent but its ref was never awaited",
        )
    if result != expected:
        fail(
            f"other_via_await() returned {result!r:.100}",
            f"what this actor's other() returns: {expected!r}",
            "call other.remote() on THIS actor's handle "
            "(ray.get_runtime_context().current_actor) and return what it gives",
        )

    # The contrast, in given code (nothing to write): the same self-call with ray.get.
    outcome = await finishes_within(
        _outcome(caller.other_via_get.remote(DEMO_TIMEOUT)), 25, "other_via_get()"
    )
    if not isinstance(outcome, ray.exceptions.GetTimeoutError):
        fail(
            f"the given other_via_get() ended with {outcome!r:.100}",
            f"GetTimeoutError after {DEMO_TIMEOUT} s: ray.get on a call to the same actor "
            "deadlocks",
            "other_via_get and other are given: put them back as they were in the stub",
        )
    # It deadlocked, as the README explains. The fixture kills the actor.
