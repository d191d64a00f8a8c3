"""Kata 17 · Streaming results: the tests your code must pass.

How "as soon as it is ready" is proven: each item's call to the service waits at a gate, and
the receiving side opens the gate of the NEXT item when it receives a result. So the call for
item k+1 can only finish after item k's result has arrived. Code that sends everything at
the end cannot get past the first gate: nothing moves any more. Once nothing has moved for
STALL seconds (a streaming answer moves in milliseconds; longer on a busy machine, see
dojo.harness.timing.stretched), the test opens the remaining gates
itself, lets the call finish, and says where the result got stuck.

The two halves are proven apart. The stream test iterates over your actor's stream itself
(so it knows the receiving side streams); the collect test runs your collect over a
streaming actor of its own (so it knows the sending side streams).
"""

import asyncio
import itertools
import time

import pytest
import ray

from dojo import NotDoneYet
from dojo.harness.actors import killed_at_the_end
from dojo.harness.heartbeat import Heartbeat
from dojo.harness.sim import OutOfStock, SlowService, answer
from dojo.harness.teach import fail, finishes_within, said
from dojo.harness.timing import stretched

# pytest's own limit, above the start (STARTUP), a stretched stall window and the finish.
pytestmark = pytest.mark.timeout(60)

ITEMS = ["ant", "bee", "cat"]
# Safety net only: the tests open every gate themselves.
GATE_TIMEOUT = 60.0
# A streaming answer moves (a call starts or ends, a result arrives) within milliseconds of
# the previous move; after this long without one, the pipeline is stuck behind a gate.
STALL = 4.0
# Before the first call starts, allow for the actor to start (seconds on a busy machine).
STARTUP = 15.0
# How long a fixture waits for its actor to answer before the test starts (not charged to it).
ACTOR_UP = 60.0
# The error test: the last item fails, and its call may only fail once the driver has
# received every earlier result.
ERROR_ITEMS = ["ant", "bee", "cat", "dog"]
FAILING = "dog"
# A blocked loop freezes for a whole DELAY while it waits for the next item (a plain `for`
# over the stream waits in ray.wait): inside a blocking call, a freeze past CAUGHT_FREEZE fails.
DELAY = 0.8
CAUGHT_FREEZE = 0.4
_PLAIN_FOR = (
    "a plain `for ref in actor.stream.remote(...)` (or ray.get) blocks the thread until the "
    "next ref exists: in a coroutine use `async for ref in ...` and `await ref`"
)


def _up(actor):
    """The actor once it answers (or after ACTOR_UP s, up or not): a new actor process can take
    longer than a test's stall window to start on a busy machine, and a fixture's time is not
    the test's (CI saw no call start within 15 s of a test that had not waited)."""
    ray.wait([actor.__ray_ready__.remote()], timeout=ACTOR_UP)
    return actor


@pytest.fixture
def streamer(kata, ray_cluster):
    """A fresh Streamer actor for the test, up before it starts, killed at the end."""
    with killed_at_the_end() as keep:
        yield _up(keep(kata.Streamer.remote()))


@ray.remote(num_cpus=0)
class _Relay:
    """The collect test's own streaming actor: it yields each result the moment the service
    returns it, so whatever holds a result back is on the receiving side."""

    async def stream(self, service, items):
        for item in items:
            yield await service.acall(item)


@pytest.fixture
def relay(ray_cluster):
    with killed_at_the_end() as keep:
        yield _up(keep(_Relay.remote()))


def _after(item: str) -> str:
    return f"after {item}"


def _chained_gates(items: list[str]) -> dict[str, str]:
    """Item k+1's call waits at the gate 'after <item k>'."""
    return {item: _after(before) for before, item in itertools.pairwise(items)}


class _Chain:
    """The receiving side of the chained gates: `receive(value)` records a result and opens
    the gate of the next item's call."""

    def __init__(self, probe, items: list[str]):
        self.probe = probe
        self.items = items
        self.next_gate = {answer(before): _after(before) for before in items[:-1]}
        self.received: list = []

    def receive(self, value) -> None:
        self.received.append(value)
        if isinstance(value, str) and value in self.next_gate:
            self.probe.open_gate(self.next_gate[value])  # fire-and-forget

    async def open_all(self) -> None:
        await asyncio.gather(*(self.probe.open_gate(g) for g in self.next_gate.values()))


async def _stall_or_done(task: asyncio.Future, probe, progress) -> tuple[object, float] | None:
    """Wait until `task` is done (None), or until nothing has moved for STALL seconds, stretched
    on a busy machine (then return the probe's report of that moment and the seconds waited).
    `progress()` counts what the receiving side has seen; the probe counts calls started and
    ended."""
    stall = stretched(STALL)
    seen, since = None, time.monotonic()
    while True:
        await asyncio.wait([task], timeout=0.1)
        if task.done():
            return None
        report = await probe.areport()
        moved = (progress(), len(report.calls), len(report.finished()))
        if moved != seen:
            seen, since = moved, time.monotonic()
        window = stall if report.calls else STARTUP
        if time.monotonic() - since > window:
            return report, window


def _stuck_at(report, items: list[str], received: list) -> tuple[str, str] | None:
    """(item whose result never arrived, item whose call waited for it), if the chain stopped
    at a gate: the call for `before` ended, the call for `item` waits at the gate."""
    ended = {c.label for c in report.finished()}
    waiting = {c.label for c in report.running}
    for before, item in itertools.pairwise(items):
        if before in ended and item in waiting and answer(before) not in received:
            return before, item
    return None


async def _through_the_chain(
    task, probe, chain: _Chain, call: str
) -> tuple[str, str, float] | None:
    """Let `task` (something that receives ITEMS' results into `chain`) run to its end. If it
    stalls first, open the remaining gates so it can finish, and return (item whose result
    never arrived, item whose call waited for it, seconds the test waited); None if every
    result came in time. The results received are checked either way."""
    try:
        stalled = await _stall_or_done(task, probe, lambda: len(chain.received))
        received_then = list(chain.received)
        if stalled is not None:
            await chain.open_all()
        await finishes_within(task, 20, call)
    finally:
        if not task.done():
            task.cancel()
    _check_values(chain.received, [answer(item) for item in ITEMS], call, ordered=True)
    if stalled is None:
        return None
    report, waited = stalled
    return *(_stuck_at(report, ITEMS, received_then) or (ITEMS[0], ITEMS[1])), waited


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


async def _value(ref):
    """A streamed value; NOT DONE YET (raised inside the actor) goes on up."""
    try:
        return await ref
    except NotDoneYet:
        raise
    except Exception as error:
        if isinstance(getattr(error, "cause", None), NotDoneYet):
            raise error.cause from error
        fail(
            f"awaiting a ref from the stream raised {type(error).__name__}: "
            f"{str(error).strip().splitlines()[-1:]}",
            "each ref gives one result: every service call succeeds here",
            "an error inside the stream method",
        )


async def test_the_stream_yields_each_result_as_soon_as_it_is_ready(kata, make_probe, streamer):
    probe = make_probe(gate_timeout=GATE_TIMEOUT)
    service = SlowService(probe, delay=0.0, gates=_chained_gates(ITEMS))
    chain = _Chain(probe, ITEMS)
    call = f"actor.stream.remote(service, {ITEMS!r})"
    stream = streamer.stream.remote(service, ITEMS)
    if isinstance(stream, ray.ObjectRef):
        await chain.open_all()
        outcome = await finishes_within(asyncio.gather(stream, return_exceptions=True), 20, call)
        fail(
            f"{call} gave one ObjectRef (to {outcome[0]!r:.100}), not a stream of refs",
            "a generator method: `.remote()` gives an ObjectRefGenerator with one ref per "
            "yielded result",
            "the method returns its results at the end (`return results`) instead of "
            "yielding each one: Ray streams only a method with `yield` in it",
        )

    async def receive_all():
        async for ref in stream:
            chain.receive(await _value(ref))

    stuck = await _through_the_chain(
        asyncio.ensure_future(receive_all()), probe, chain, f"iterating over {call}"
    )
    if stuck is None:
        return
    before, item, waited = stuck
    fail(
        f"the stream had not yielded the result for {before!r} {waited:.0f} s after the call "
        f"for {before!r} had finished, while the call for {item!r} waited for that result "
        "to arrive (the test let the calls through then, and the results came all at the end)",
        "the method yields each result as soon as service.acall returns it, while the later "
        "calls are still running",
        "collecting the results first (a list, or asyncio.gather over every call) and "
        "yielding them only at the end: yield each result as soon as you have it",
        (await probe.areport()).timeline(),
    )


async def test_collect_hands_on_each_result_as_it_arrives(kata, make_probe, relay):
    probe = make_probe(gate_timeout=GATE_TIMEOUT)
    service = SlowService(probe, delay=0.0, gates=_chained_gates(ITEMS))
    chain = _Chain(probe, ITEMS)
    call = f"collect(actor, service, {ITEMS!r}, on_item)"
    task = asyncio.ensure_future(kata.collect(relay, service, ITEMS, chain.receive))
    stuck = await _through_the_chain(task, probe, chain, call)
    if stuck is None:
        return
    before, item, waited = stuck
    fail(
        f"on_item had not received the result for {before!r} {waited:.0f} s after the stream "
        f"yielded it (this test's actor yields each result at once), while the call for "
        f"{item!r} waited for it (the test let the calls through then, and on_item got "
        "everything at the end)",
        "collect calls on_item(result) for each result as soon as its ref arrives",
        "collecting every ref (or every result) before handling any: call on_item inside "
        "the `async for` over the stream, right after awaiting each ref",
        (await probe.areport()).timeline(),
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
    task = asyncio.ensure_future(kata.collect(streamer, service, ERROR_ITEMS, on_item))
    try:
        stalled = await _stall_or_done(task, probe, lambda: len(received))
        received_then = list(received)
        if stalled is not None:
            await probe.open_gate("after the rest")
        await finishes_within(asyncio.wait([task]), 20, call)
    finally:
        if not task.done():
            task.cancel()
    raised = task.exception()
    if isinstance(raised, NotDoneYet):
        raise raised
    report = await probe.areport()
    if stalled is not None:
        _, waited = stalled
        fail(
            f"the results before {FAILING!r} had not all reached on_item {waited:.0f} s after "
            f"their calls finished (on_item had {received_then!r:.200} then), while the call for "
            f"{FAILING!r} waited for them",
            "each result reaches on_item as soon as it is ready, long before the error",
            [
                "the method builds a list and returns (or yields) it at the end: yield each "
                "result as soon as it is ready",
                "collect gathers every ref (or result) before handling any: call on_item "
                "inside the `async for` over the stream",
            ],
            report.timeline(),
        )
    if raised is None:
        fail(
            f"{call} returned normally; on_item received {received!r:.200}",
            f"the OutOfStock raised by the call for {FAILING!r} reaches collect's caller",
            [
                "catching the error in collect (an `except` around the `async for`): let it "
                "propagate",
                "catching the error inside the generator method and stopping (or yielding "
                "something else): let it propagate",
            ],
            report.timeline(),
        )
    if not isinstance(raised, OutOfStock):
        fail(
            f"{call} raised {type(raised).__name__}: {said(raised)}",
            "an OutOfStock (Ray's error for it is also an OutOfStock: `except OutOfStock` "
            "catches it)",
            "wrapping the error in another exception, or raising your own: let the "
            "original propagate",
            report.timeline(),
        )
    if sorted(map(repr, received)) != sorted(map(repr, earlier)):
        fail(
            f"when the error arrived, on_item had received {received!r:.200}",
            f"the results before the failing item first: {earlier!r} (in any order), then "
            "the error",
            "each result must be passed on as it arrives, before the error",
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
    heartbeat.assert_loop_stayed_free(
        f"collect waited for results (calls of {DELAY} s each)",
        caught_limit=CAUGHT_FREEZE,
        candidates=[_PLAIN_FOR],
        lessons={
            "ray.wait": "a plain `for ref in actor.stream.remote(...)`: each step waits for "
            "the next ref in a blocking ray.wait on the event loop's thread (as a ray.wait of "
            "your own would); in a coroutine use `async for ref in ...` and `await ref`"
        },
        picture=(await probe.areport()).timeline(),
    )
