"""Kata 12 · Limit the blast radius: the tests your code must pass.

How the limit is measured: the upstream is a SlowService recorded by a probe with a barrier of
`limit`. The first calls wait until `limit` of them are in flight at once; then the barrier
opens for good. A gateway that lets fewer through never fills the barrier, which breaks after
BARRIER_IDLE seconds without a new arrival (and the test stops there).

Every call is then held at the upstream (the HOLD gate) until every call has arrived, or no
new one has for HOLD_IDLE s: so the peak is exactly what the gateway lets through, not what
happened to overlap (with no limit at all, early calls would otherwise finish before the last
ones arrive, and the peak would look like some limit of its own).

The idle limit is the fallback. A call waiting at the barrier whose blocking upstream call
runs on one of the Gateway's own event-loop threads (its service tells the probe: `_Upstream`)
holds that loop: no other call of the Gateway can start until the barrier opens, so waiting
cannot change the verdict, and the test breaks the barrier at once (as kata 10's does).
"""

import asyncio
import contextlib
import inspect
import threading
import time

import pytest
import ray
from ray.actor import ActorClass, ActorHandle

from dojo import NotDoneYet
from dojo.harness.actors import crash_line, made_and_started
from dojo.harness.probes import BROKEN_ON_A_STALL
from dojo.harness.sim import CALLED_ON_A_LOOP, SlowService, answer, on_an_event_loop
from dojo.harness.teach import fail
from dojo.harness.waiting import wait_until

pytestmark = pytest.mark.timeout(30)

LIMIT = 4
CALLS = 50
DELAY = 0.05  # 50 calls, 4 at a time: about 13 rounds
BARRIER_IDLE = 3.0
HOLD = "hold"
HOLD_IDLE = 0.5
WITHIN = 25.0
SHOWN_AFTER_BREAK = 3
LOOKS_EVERY = 0.05  # seconds between two reads of the probe while the calls run

# Where the upstream's blocking call ran, left as a mark in the probe's report (see
# SlowService).
# ... and, from `_Upstream`, which call ran it on an actor's own event-loop thread: the mark is
# this prefix, the actor's id, "|" and the item. Ray names those threads so (one per
# concurrency group); a loop a method starts for itself (asyncio.run in a thread) is not one.
ON_ACTOR_LOOP = "service.call on the event-loop thread of actor "
RAY_LOOP_THREAD = "AsyncIO Thread: "


def _upstream_class() -> type:
    """`_Upstream`, made in a function: cloudpickle then sends the class itself with each
    service (about 2 KB), where a class it can import by name would make the
    Gateway's process import this test module (pytest and all: a tenth of a second, on every
    green run). Hence everything its `call` uses is inside it, or a plain value."""

    class _Upstream(SlowService):
        """The SlowService, whose blocking call also tells the probe, per call, when it runs on
        an actor's own event-loop thread: that loop cannot start another call while this
        one waits at the barrier."""

        def call(self, item):
            if on_an_event_loop() and threading.current_thread().name.startswith(RAY_LOOP_THREAD):
                actor = ray.get_runtime_context().get_actor_id()
                self.probe.mark(f"{ON_ACTOR_LOOP}{actor}|{item}")
            return super().call(item)

    return _Upstream


_Upstream = _upstream_class()


async def _break_the_barrier_once_a_call_blocks(probe, gateway: ActorHandle, limit: int) -> None:
    """A call held at the barrier that blocks the Gateway's own event-loop thread keeps every
    other call of the Gateway out: let everyone go as soon as the probe has seen one (the
    report then carries BROKEN_ON_A_STALL). Anything else is left to the barrier's idle limit."""
    prefix = f"{ON_ACTOR_LOOP}{gateway._ray_actor_id.hex()}|"
    while True:
        report = await probe.areport()
        if report.barrier_broken or report.peak >= limit:
            return
        blocking = {m[len(prefix) :] for m in report.marks if m.startswith(prefix)}
        if any(c.label in blocking for c in report.running):
            await probe.break_barrier()
            return
        await asyncio.sleep(LOOKS_EVERY)


# Each test's limit. Its probe (a barrier of that limit) and its gateway are started by the
# fixtures below, before the test itself runs: on a busy machine a new actor process can take
# many seconds to start, and that says nothing about the limit. The proofs then take a second.
LIMITS = {
    "test_never_more_than_limit_in_flight": LIMIT,
    "test_the_limit_comes_from_make_gateway": 2,
}


@pytest.fixture
def limit(request) -> int:
    return LIMITS[request.node.originalname]


@pytest.fixture
def probe(make_probe, limit):
    return make_probe(barrier=limit, barrier_idle=BARRIER_IDLE)  # starts alongside the gateway


@pytest.fixture
def made(kata, limit, probe):
    """What make_gateway(limit) gave for this test (its actor started), or the error it
    raised, which `_gateway` raises again inside the test. The actor is killed at the end."""
    with made_and_started(probe, kata.make_gateway, limit) as made:
        yield made


def _gateway(made, limit: int) -> ActorHandle:
    gateway = made.get()  # raises again what make_gateway(limit) raised
    if isinstance(gateway, ActorHandle):
        return gateway
    if isinstance(gateway, ActorClass):
        likely = (
            "returning the class instead of an actor: create one with Gateway.remote(limit) "
            "(or Gateway.options(...).remote(limit)) and return what that gives you"
        )
    elif gateway is None:
        likely = "a missing `return`: make_gateway must return the handle it creates"
    else:
        likely = "make_gateway must return what Gateway.remote(limit) gives: an actor handle"
    fail(
        f"make_gateway({limit}) returned {type(gateway).__name__} {gateway!r:.80}",
        "the handle of a new Gateway actor",
        likely,
    )


async def _hold_until_all_arrived(probe, items, calls) -> None:
    """Open the HOLD gate once every call reached the upstream, the barrier broke, or no new
    call arrived for HOLD_IDLE s (the gateway holds the rest back: that is its limit)."""
    arrived, last = 0, time.monotonic()
    while not calls.done():
        report = await probe.areport()
        if len(report.calls) != arrived:
            arrived, last = len(report.calls), time.monotonic()
        if arrived >= len(items) or report.barrier_broken or time.monotonic() - last > HOLD_IDLE:
            break
        await asyncio.sleep(0.02)
    await probe.open_gate(HOLD)


async def _serve(gateway, items, probe, limit: int):
    """Send every call to the gateway at once. Returns (replies, report), or (None, report)
    when the barrier broke: the verdict is in, so the test does not wait for the rest (once a
    few calls have finished, for the picture)."""
    call = f"{len(items)} calls of gateway.fetch(service, item) on one Gateway"
    service = _Upstream(probe, delay=DELAY, gates=dict.fromkeys(items, HOLD))
    each = [asyncio.ensure_future(gateway.fetch.remote(service, item)) for item in items]
    calls = asyncio.gather(*each)
    blocked = asyncio.ensure_future(_break_the_barrier_once_a_call_blocks(probe, gateway, limit))
    try:
        await _hold_until_all_arrived(probe, items, calls)

        async def settled():
            if calls.done():
                return True
            report = await probe.areport()
            # Broken, and a few calls finished since, so the picture shows what happened.
            return report.barrier_broken and len(report.finished()) >= SHOWN_AFTER_BREAK

        await wait_until(settled, within=WITHIN, interval=LOOKS_EVERY)
    finally:
        blocked.cancel()
    if not calls.done() and (await probe.areport()).barrier_broken:
        calls.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await calls
        return None, await probe.areport()
    if not calls.done():
        fail(
            f"{call} were still running after {WITHIN:.0f} s",
            f"{len(items)} calls of {DELAY} s each, all done within a few seconds",
            [
                "a call that never finishes: awaiting something nobody completes",
                "a semaphore that is acquired but never released (use `async with`)",
            ],
        )
    try:
        replies = await calls
    except NotDoneYet:
        raise
    except Exception as crash:
        error = crash
    else:
        return replies, await probe.areport()
    # The evidence: which calls failed, and whether they had reached the upstream.
    done, pending = await asyncio.wait(each, timeout=BARRIER_IDLE + 2)
    for future in pending:
        future.cancel()
    failed = sum(future.exception() is not None for future in done)
    answered = len(done) - failed
    reached = len((await probe.areport()).calls)
    if not (answered and reached < len(items)):
        raise error  # the dojo reports it with the line of yours that raised it
    # Failing outside the `except` keeps Ray's long traceback out of the lesson.
    fail(
        f"{call} raised {crash_line(error)} "
        f"({failed} failed, {answered} got their reply; {reached} reached the upstream)",
        f"each call returns the upstream's reply, e.g. {answer(items[0])!r}, the calls "
        "beyond the limit after a wait for a free slot",
        "turning calls away when the limit is reached: a call beyond the limit must wait for "
        "a free slot (`async with` a semaphore waits), not fail",
    )


def _check_replies(replies, items, report) -> None:
    expected = [answer(item) for item in items]
    if replies != expected:
        fail(
            f"the calls returned {replies!r:.200}",
            f"the upstream's reply for each item, in order: {expected!r:.200}",
            "fetch must return what the upstream gives for the item it was called with",
            report.timeline(),
        )
    served = len(report.finished(outcome="ok"))
    if served != len(items):
        fail(
            f"the upstream saw {served} calls for {len(items)} fetches",
            "one upstream call per fetch",
            "each fetch must call the upstream exactly once",
            report.timeline(),
        )


def _fetch_is_async(kata) -> bool:
    """Is the Gateway's `fetch` an `async def`? (Read from the class, not run.)"""
    return inspect.iscoroutinefunction(getattr(kata.Gateway, "fetch", None))


def _fail_too_few(kata, report, limit: int, calls: int) -> None:
    peak = report.peak
    if CALLED_ON_A_LOOP in report.marks:
        likely = (
            "a blocking call inside `async def`: service.call(item) holds the event loop's "
            "only thread, one call at a time. `await service.acall(item)` in an async "
            "method (or the blocking call in a threaded actor)"
        )
    elif not _fetch_is_async(kata) and peak <= 1:
        likely = (
            "a sync actor (plain `def fetch`) runs one call at a time unless it is created "
            "with max_concurrency: Gateway.options(max_concurrency=limit)"
        )
    else:
        likely = (
            f"a limit of {peak} instead of {limit} (Semaphore({peak}), "
            f"max_concurrency={peak}{', a lock' if peak <= 1 else ''}): use the `limit` "
            "given, e.g. asyncio.Semaphore(limit) around `await service.acall(item)`"
        )
    waited = (
        f"a call the upstream held, waiting for {limit} in flight, blocked the Gateway's "
        "event-loop thread, so no other call could start: the test let them go"
        if BROKEN_ON_A_STALL in report.marks
        else f"the upstream waited {BARRIER_IDLE:.0f} s for {limit} calls in flight, then gave up"
    )
    fail(
        f"only {peak} at a time, with a limit of {limit} ({waited})",
        f"exactly {limit} upstream calls in flight while the other {calls - limit} wait: the "
        "limit protects the upstream, it must not throttle the gateway below it",
        likely,
        report.timeline(),
    )


def _too_many(peak: int, limit: int, calls: int) -> str | list[str]:
    """What lets `peak` calls through a limit of `limit`, when `calls` arrived together."""
    if peak >= calls:
        return [
            "no limit at all: an async actor starts every call it receives at once (up to "
            "1000); guard the upstream call with an asyncio.Semaphore(limit) made in "
            "__init__, or create the actor with max_concurrency=limit",
            "a semaphore made inside fetch: each call gets a fresh one and passes it; "
            "make ONE in __init__ and share it",
            "the upstream call awaited after the `async with` block: `service.acall(item)` "
            "made inside it only creates the call, which then runs once the slot is already "
            "given back. Await it inside the block",
        ]
    not_from_limit = (
        f"a limit of {peak} instead of {limit}: use the `limit` given to make_gateway (and "
        "Gateway.__init__)"
    )
    if peak == limit + 1:
        return [
            "an off-by-one: one call too many let through (`>` where `>=` belongs, `<=` "
            "where `<` belongs, or Semaphore(limit + 1))",
            not_from_limit,
        ]
    return not_from_limit


async def test_never_more_than_limit_in_flight(kata, made, probe, limit):
    items = [f"item {i}" for i in range(CALLS)]
    gateway = _gateway(made, limit)
    replies, report = await _serve(gateway, items, probe, limit)
    if report.peak > limit:
        how = "unbounded" if report.peak >= CALLS else "more than the limit at once"
        likely = _too_many(report.peak, limit, CALLS)
        fail(
            f"peak {report.peak} > limit {limit}: {how} ({CALLS} calls arrived together and "
            f"{report.peak} of them were at the upstream at the same moment)",
            f"never more than {limit} upstream calls in flight; the rest wait their turn",
            likely,
            report.timeline(),
        )
    if replies is None or report.barrier_broken or report.peak < limit:
        _fail_too_few(kata, report, limit, CALLS)
    _check_replies(replies, items, report)


async def test_the_limit_comes_from_make_gateway(kata, made, probe, limit):
    items = [f"item {i}" for i in range(8)]
    gateway = _gateway(made, limit)
    replies, report = await _serve(gateway, items, probe, limit)
    if report.peak > limit:
        if report.peak == LIMIT:
            likely = (
                f"a hard-coded {LIMIT} (the limit of the other test): the limit must come from "
                "make_gateway's `limit`, passed on to the actor"
            )
        else:
            likely = _too_many(report.peak, limit, len(items))
        fail(
            f"peak {report.peak} in flight with make_gateway({limit})",
            f"never more than {limit} upstream calls in flight",
            likely,
            report.timeline(),
        )
    if replies is None or report.barrier_broken or report.peak < limit:
        _fail_too_few(kata, report, limit, len(items))
    _check_replies(replies, items, report)
