"""Kata 17 · Streaming results: the tests your code must pass.

How "as it arrives" is proven: each item's call to the service waits at a gate, and the
test's on_item opens the gate of the NEXT item when it receives a result. So the call for
item k+1 can only finish after the driver has received item k. Code that sends everything
at the end cannot get past the first gate: each gate then opens by itself after
GATE_TIMEOUT seconds, and the probe reports "timeout" instead of "signal".
"""

import itertools

import pytest
import ray

from dojo import NotDoneYet
from dojo.harness.heartbeat import Heartbeat
from dojo.harness.sim import OutOfStock, SlowService, answer
from dojo.harness.teach import fail, finishes_within

pytestmark = pytest.mark.timeout(30)

ITEMS = ["ant", "bee", "cat"]
GATE_TIMEOUT = 4.0
# The error test: the last item fails, and its call may only fail once the driver has
# received every earlier result.
ERROR_ITEMS = ["ant", "bee", "cat", "dog"]
FAILING = "dog"
# A blocked loop freezes for a whole DELAY while it waits for the next item.
DELAY = 0.8
MAX_FREEZE = 0.4


@pytest.fixture
def streamer(kata, ray_cluster):
    """A fresh Streamer actor for the test, killed at the end."""
    actor = kata.Streamer.remote()
    yield actor
    ray.kill(actor)


def _after(item: str) -> str:
    return f"after {item}"


def _chained_gates(items: list[str]) -> dict[str, str]:
    """Item k+1's call waits at the gate 'after <item k>'."""
    return {item: _after(before) for before, item in itertools.pairwise(items)}


def _check_values(received: list, expected: list, call: str, ordered: bool) -> None:
    """Every result exactly once. `ordered`: in this order (the gates test forces the calls
    to finish in items order); otherwise any order (items order or completion order)."""
    if any(isinstance(value, ray.ObjectRef) for value in received):
        fail(
            "on_item() was called with ObjectRefs, not results",
            f"on_item(result) with the results themselves, e.g. {expected[0]!r}",
            "the stream hands you refs: `await ref` before passing the value on",
        )
    same = (
        received == expected
        if ordered
        else sorted(map(repr, received)) == sorted(map(repr, expected))
    )
    if not same:
        fail(
            f"on_item() received {received!r:.200}",
            f"{expected!r}: each item's result once"
            + (", in the order the calls finished" if ordered else " (in any order)"),
            "each result passed to on_item exactly once: yield service.acall(item)'s "
            f"result for every item ({call})",
        )


async def test_each_result_arrives_before_the_next_is_made(kata, make_probe, streamer):
    probe = make_probe(gate_timeout=GATE_TIMEOUT)
    service = SlowService(probe, delay=0.0, gates=_chained_gates(ITEMS))
    next_gate = {answer(before): _after(before) for before in ITEMS[:-1]}
    received = []

    def on_item(value):
        received.append(value)
        if isinstance(value, str) and value in next_gate:
            probe.open_gate(next_gate[value])  # fire-and-forget: let the next call finish

    call = f"collect(actor, service, {ITEMS!r}, on_item)"
    await finishes_within(kata.collect(streamer, service, ITEMS, on_item), 20, call)
    report = await probe.areport()
    _check_values(received, [answer(item) for item in ITEMS], call, ordered=True)
    timed_out = [
        item for item in ITEMS[1:] if report.gates.get(_chained_gates(ITEMS)[item]) != "signal"
    ]
    if not timed_out:
        return
    likely = (
        "you built a list and returned it (or collected every ref before handling any): "
        "yield each result from the generator method as soon as you have it, and call "
        "on_item inside the `async for` over the stream"
    )
    if len(timed_out) == len(ITEMS) - 1:
        happened = (
            "the first result only arrived after the last was produced: the call for "
            f"{ITEMS[1]!r} waited {GATE_TIMEOUT:.0f} s for the result for {ITEMS[0]!r} to "
            "reach the driver, then gave up, and so did every later call"
        )
    else:
        item = timed_out[0]
        before = ITEMS[ITEMS.index(item) - 1]
        happened = (
            f"the result for {before!r} reached the driver only after the call for {item!r} "
            f"had given up waiting for it ({GATE_TIMEOUT:.0f} s)"
        )
    fail(
        happened,
        "each result reaches on_item while the later calls are still running (the test "
        "holds the call for item k+1 until on_item has received item k)",
        likely,
        report.timeline(),
    )


async def test_an_error_arrives_after_the_earlier_results(kata, make_probe, streamer):
    probe = make_probe(gate_timeout=GATE_TIMEOUT)
    service = SlowService(
        probe,
        delay=0.0,
        gates={FAILING: "after the rest"},
        failures={FAILING: OutOfStock(f"{FAILING} is out of stock")},
    )
    earlier = [answer(item) for item in ERROR_ITEMS if item != FAILING]
    received = []

    def on_item(value):
        received.append(value)
        if set(earlier) <= set(received):
            probe.open_gate("after the rest")

    call = f"collect(actor, service, {ERROR_ITEMS!r}, on_item)"
    try:
        await finishes_within(kata.collect(streamer, service, ERROR_ITEMS, on_item), 20, call)
    except NotDoneYet:
        raise
    except Exception as error:
        raised = error
    else:
        raised = None
    report = await probe.areport()
    if raised is None:
        fail(
            f"{call} returned normally; on_item received {received!r:.200}",
            f"the OutOfStock raised by the call for {FAILING!r} reaches collect's caller",
            "catching the error inside the generator or in collect: let it propagate (it "
            "arrives when you await the ref after the last good result)",
            report.timeline(),
        )
    if not isinstance(raised, OutOfStock):
        fail(
            f"{call} raised {type(raised).__name__}: {str(raised).strip().splitlines()[-1:]}",
            "an OutOfStock (Ray's error for it is also an OutOfStock: `except OutOfStock` "
            "catches it)",
            "wrapping the error in another exception, or raising your own: let the "
            "original propagate",
            report.timeline(),
        )
    gave_up = report.gates.get("after the rest") != "signal"
    if sorted(map(repr, received)) != sorted(map(repr, earlier)):
        fail(
            f"when the error arrived, on_item had received {received!r:.200}",
            f"the results before the failing item first: {earlier!r} (in any order), then "
            "the error",
            "you built a list and returned it: one error then loses every result; yield "
            "each result as soon as it is ready"
            if gave_up
            else "each result must be passed on as it arrives, before the error",
            report.timeline(),
        )
    if gave_up:
        fail(
            f"the earlier results reached on_item only after the call for {FAILING!r} had "
            f"given up waiting for them ({GATE_TIMEOUT:.0f} s) and failed",
            "each result reaches on_item as soon as it is ready, long before the error",
            "collecting every ref (or every result) before handling any: call on_item "
            "inside the `async for` over the stream",
            report.timeline(),
        )


async def test_the_event_loop_stays_free_while_waiting(kata, make_probe, streamer):
    items = ["ant", "bee"]
    probe = make_probe()
    service = SlowService(probe, delay=DELAY)
    received = []
    call = f"collect(actor, service, {items!r}, on_item)"
    async with Heartbeat() as heartbeat:
        await finishes_within(kata.collect(streamer, service, items, received.append), 20, call)
    _check_values(received, [answer(item) for item in items], call, ordered=False)
    if heartbeat.longest_freeze > MAX_FREEZE:
        fail(
            f"the driver's event loop froze for {heartbeat.longest_freeze:.2f} s while "
            f"collect waited for results (calls of {DELAY} s each)",
            f"the loop stays free while waiting: no gap longer than {MAX_FREEZE:.2f} s",
            "a plain `for ref in actor.stream.remote(...)` (or ray.get) blocks the thread "
            "until the next ref exists: in a coroutine use `async for ref in ...` and "
            "`await ref`",
            (await probe.areport()).timeline(),
        )
