"""Kata 10 · Don't block the loop: the tests your code must pass."""

import asyncio
import time

import pytest

from dojo.harness.actors import declared_options, replies_or_crash, started
from dojo.harness.probes import BROKEN_ON_A_STALL
from dojo.harness.sim import CALLED_ASYNC, CALLED_ON_A_LOOP, SlowService, answer
from dojo.harness.teach import fail, finishes_within
from dojo.harness.waiting import wait_until

pytestmark = pytest.mark.timeout(30)

# N slow calls on one actor at once. asyncio.to_thread's default pool has
# min(32, os.cpu_count() + 4) threads: 6 on a 2-core machine, so N stays below that.
N = 5
DELAY = 0.05
# The barrier: every call waits until N are in flight. An actor whose loop is blocked runs
# one call at a time: the barrier breaks as soon as the probe sees a call blocking the loop,
# or else after BARRIER_IDLE seconds without a new arrival.
BARRIER_IDLE = 3.0
# The ping test holds every fetch at a gate that only the test opens. A free loop answers
# ping() while the gate is shut; a blocked one cannot answer until the calls are let go.
HOLD = "hold"
ALL_HELD_WITHIN = 3.0
PING_PATIENCE = 3.0
# When a held call is known to sit on the event loop's own thread, ping cannot answer before
# the test lets it go: the wait for ping is then only there to show it.
PING_PATIENCE_WHEN_BLOCKED = 1.0
# The ping test sends more fetch calls than N: a max_concurrency sized for N plus one slot
# for ping (6) still fills up. (asyncio.to_thread's pool takes 6 of them at once here, the
# rest wait for a thread, on a free loop.)
PING_CALLS = 8
# Safety net: the probe opens the gate by itself after this long.
GATE_TIMEOUT = 20.0


# Each test's probe and Gateway are started by the fixtures below, before the test itself
# runs (dojo/harness/actors.py says why): the proofs (barrier, gate) then cost a second or so.
PROBES = {
    "test_fetch_returns_the_legacy_reply": {},
    "test_slow_calls_overlap_on_one_actor": {"barrier": N, "barrier_idle": BARRIER_IDLE},
    "test_ping_answers_while_slow_calls_run": {"gate_timeout": GATE_TIMEOUT},
}


@pytest.fixture
def probe(make_probe, request):
    return make_probe(**PROBES[request.node.originalname])  # starts alongside the Gateway


@pytest.fixture
def gateway(kata, probe):
    """A new Gateway for this test, started, and killed when the test ends."""
    with started(kata.Gateway.remote(), probe) as handle:
        yield handle


async def _replies(refs, items) -> list:
    """Await the fetch calls; turn a crash into a lesson (but let NOT DONE YET through)."""
    call = f"{len(items)} calls of gateway.fetch(service, item) on one Gateway"
    replies, crash = await replies_or_crash(refs, call, "'str' object is not callable")
    if crash is None:
        return replies
    fail(
        f"{call} raised {crash}",
        f"each call returns legacy_fetch's reply, e.g. {answer(items[0])!r}",
        "calling legacy_fetch(service, item) yourself (on the loop) and handing its RESULT, a "
        "string, to the thread: pass the function and its arguments separately, "
        "asyncio.to_thread(legacy_fetch, service, item)",
    )


async def _break_the_barrier_once_a_call_blocks(probe) -> None:
    """A call that waits at the barrier on the actor's event-loop thread holds that thread:
    no other call of the one Gateway can arrive, so waiting for the barrier's idle limit
    cannot change the verdict. Let everyone go as soon as the probe has seen it."""
    while True:
        report = await probe.areport()
        if report.peak >= N or report.barrier_broken:
            return
        if CALLED_ON_A_LOOP in report.marks and report.running:
            await probe.break_barrier()
            return
        await asyncio.sleep(0.05)


def _check_replies(replies, items, picture=None) -> None:
    expected = [answer(item) for item in items]
    if replies != expected:
        fail(
            f"the calls returned {replies!r:.200}",
            f"legacy_fetch's reply for each item, in order: {expected!r:.200}",
            "fetch must return what legacy_fetch(service, item) returns, for its own item",
            picture,
        )


async def test_fetch_returns_the_legacy_reply(gateway, probe):
    items = ["ant", "bee", "cat"]
    service = SlowService(probe, delay=DELAY)
    replies = await _replies([gateway.fetch.remote(service, item) for item in items], items)
    report = await probe.areport()
    _check_replies(replies, items, report.timeline())
    if CALLED_ASYNC in report.marks:
        fail(
            "the service got its non-blocking service.acall(item), which legacy_fetch never "
            "makes: fetch went around the given library",
            "every reply comes from the given blocking legacy_fetch(service, item), run so "
            "that it does not block the loop",
            "awaiting service.acall(item) instead of calling legacy_fetch: in this kata the "
            "blocking library is the only way to the service (pretend acall does not exist)",
            report.timeline(),
        )


async def test_slow_calls_overlap_on_one_actor(gateway, probe):
    items = [f"item {i}" for i in range(N)]
    service = SlowService(probe, delay=DELAY)
    refs = [gateway.fetch.remote(service, item) for item in items]
    stop_blocked = asyncio.ensure_future(_break_the_barrier_once_a_call_blocks(probe))
    try:
        replies = await _replies(refs, items)
    finally:
        stop_blocked.cancel()
    report = await probe.areport()
    if report.barrier_broken or report.peak < N:
        if CALLED_ON_A_LOOP in report.marks:
            likely = (
                "legacy_fetch ran on the event loop's own thread, freezing the actor: run "
                "each call on a worker thread with "
                "`await asyncio.to_thread(legacy_fetch, service, item)`"
            )
        elif report.peak <= 1:
            likely = [
                "a pool with a single thread (ThreadPoolExecutor(max_workers=1)): the calls "
                "ran on a thread, away from the loop, but queued for that one thread",
                "the loop's thread blocked waiting for the thread's result (future.result(), "
                "concurrent.futures.wait): await it instead (asyncio.to_thread, "
                "loop.run_in_executor)",
                "an asyncio.Lock (or Semaphore(1)) around the call: the calls ran on threads, "
                "but only one at a time; nothing needs to be serialised here",
            ]
        else:
            likely = (
                f"a thread pool with only {report.peak} threads: each blocking call needs a "
                "thread of its own for as long as it runs"
            )
        waited = (
            "a call held there on the event loop's thread kept the rest out"
            if BROKEN_ON_A_STALL in report.marks or CALLED_ON_A_LOOP in report.marks
            else f"the barrier waited {BARRIER_IDLE:.0f} s for the rest, then gave up"
        )
        fail(
            f"only {report.peak} of {N} slow calls ran at once on the actor ({waited})",
            f"all {N} calls in flight together on ONE Gateway",
            likely,
            picture=report.timeline(),
        )
    _check_replies(replies, items, report.timeline())


async def test_ping_answers_while_slow_calls_run(kata, gateway, probe):
    items = [f"item {i}" for i in range(PING_CALLS)]
    service = SlowService(probe, delay=DELAY, gates=dict.fromkeys(items, HOLD))
    await finishes_within(gateway.ping.remote(), 20, "ping() on a new Gateway")

    calls = [asyncio.ensure_future(gateway.fetch.remote(service, item)) for item in items]
    try:
        held, loop_blocked = await _hold_the_calls(probe, calls)
        if not held:
            await probe.open_gate(HOLD)
            await _replies(calls, items)  # raises what went wrong (a crash, or NOT DONE YET)

        started = time.monotonic()
        ping = asyncio.ensure_future(gateway.ping.remote())
        patience = PING_PATIENCE_WHEN_BLOCKED if loop_blocked else PING_PATIENCE
        answered, _ = await asyncio.wait({ping}, timeout=patience)
    finally:
        await probe.open_gate(HOLD)  # ping has answered (or the test failed): let them go
    await finishes_within(ping, 20, "ping() while fetch calls ran")
    waited = time.monotonic() - started
    replies = await _replies(calls, items)
    report = await probe.areport()
    if not answered:
        if loop_blocked:
            likely = (
                "calling the blocking legacy_fetch directly on the actor's event loop (inside "
                "`async def`, or in a plain `def` method, which an async actor runs on its "
                "loop too) holds the one thread that loop runs on, so nothing else on the "
                "actor can run: `await asyncio.to_thread(legacy_fetch, service, item)` in an "
                "`async def fetch` keeps the loop free"
            )
        else:
            limit = declared_options(kata.Gateway).get("max_concurrency")
            slots = (
                f"the actor's max_concurrency ({limit}): the {len(items)} fetch calls took "
                "every slot it allows, and ping() queued for a free one (max_concurrency "
                "counts every call, ping included, and a fetch call waits however many there "
                "are). Leave it at the async default"
            )
            blocked = (
                "the event loop's thread blocked in a wait of its own (future.result(), "
                "concurrent.futures.wait, a threading lock) while legacy_fetch ran on another "
                "thread: await the thread's work instead (asyncio.to_thread, "
                "loop.run_in_executor)"
            )
            if limit is None:
                likely = blocked  # the async default leaves ping room: not the slots
            elif limit <= len(items):
                likely = slots
            else:
                likely = [slots, blocked]
        these = "1 fetch call was" if held == 1 else f"{held} fetch calls were"
        fail(
            f"ping() waited {waited:.1f} s behind the blocking calls: it could not answer "
            f"while {these} held up at the service, only after the test let them finish",
            f"ping() answers at once while fetch calls wait (the test held them "
            f"{patience:.0f} s for it)",
            likely,
            picture=report.timeline(),
        )
    _check_replies(replies, items, report.timeline())


async def _hold_the_calls(probe, calls) -> tuple[int, bool]:
    """Wait until every fetch is held at the gate, or one is known to hold the event loop
    (no other can start then). Returns how many are held, and whether the loop is blocked."""

    async def crashed():
        return any(call.done() for call in calls)  # e.g. NOT DONE YET: nothing to hold

    async def held(at_least: int):
        report = await probe.areport()
        if await crashed() or (CALLED_ON_A_LOOP in report.marks and report.running):
            return True
        return len(report.running) >= at_least

    # Wait for the first call to get there (any solution), then give the others a moment to
    # join it (they can only if the loop is free).
    await wait_until(lambda: held(1), within=20)
    await wait_until(lambda: held(N), within=ALL_HELD_WITHIN)
    report = await probe.areport()
    return len(report.running), CALLED_ON_A_LOOP in report.marks
