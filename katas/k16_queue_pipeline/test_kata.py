"""Kata 16 · Queue pipeline: the tests your code must pass.

How the tests see inside the pipeline: `source` and `sink` are two SlowServices recording
into one probe. A producer's `source.acall(item)` ending means the item was MADE; a consumer's
`sink.acall(record)` starting means a consumer TOOK it off the queue. Made but not yet taken
is what sits in the queue, plus at most one item in each producer's hand (waiting to be put)
and one in each consumer's (taken, about to be handled). Gates held by the test freeze the
consumers (backpressure) or pause a producer (a consumer's timed get times out meanwhile).
"""

import asyncio
import time
from collections import Counter

import pytest

from dojo import NotDoneYet
from dojo.harness.sim import SlowService, answer
from dojo.harness.teach import fail
from dojo.harness.waiting import wait_until

pytestmark = pytest.mark.timeout(30)

MAXSIZE = 2
POLL = 0.2
# The pause in the "lost item" test: ten poll timeouts long, so a consumer's timed get
# times out again and again while the producer still has items to come.
LOSS_POLL = 0.1
PAUSE = 1.0
# A pipeline that shows no sign of life in the probe for this long has stalled. Before any
# consumer has taken an item, allow longer: an actor (the queue, or consumers written as an
# actor) may still be starting, which takes seconds on a busy machine.
STALL = 3.0
STARTUP_STALL = 12.0
# Never wait longer than this for the learner's run_pipeline, stalled or not.
OVERALL = 20.0
# Backpressure test: how long the pipeline may take to fill up while the consumers are held
# (it includes starting the queue actor), and how long a producer that does not wait gets
# to show it by making one item too many.
FILL_WITHIN = 15.0
SETTLE = 1.0
# Safety net: the probe opens any gate by itself after this long.
GATE_TIMEOUT = 20.0


def _items(producer: str, count: int) -> list[str]:
    return [f"{producer}{seq}" for seq in range(count)]


def _record(item: str) -> str:
    """What a producer puts on the queue for `item`: the source's answer."""
    return answer(item)


def _expected(producers: dict[str, list]) -> dict[tuple[str, int], str]:
    """(producer, seq) -> the result the sink gives for that item."""
    return {
        (p, seq): answer(_record(item))
        for p, items in producers.items()
        for seq, item in enumerate(items)
    }


def _services(probe, producers, sink_delays=None, sink_gate=None, source_gates=None):
    items = [item for items in producers.values() for item in items]
    source = SlowService(probe, delay=0.0, gates=source_gates or {})
    sink = SlowService(
        probe,
        delay=0.0,
        delays=sink_delays or {},
        gates={_record(item): sink_gate for item in items} if sink_gate else {},
    )
    return source, sink


class _Flow:
    """Made / taken counts read from a probe report."""

    def __init__(self, report, producers):
        self.report = report
        self.items = [item for items in producers.values() for item in items]
        self.item_of_record = {_record(item): item for item in self.items}
        made = {c.label for c in report.finished() if c.label in set(self.items)}
        self.made = [item for item in self.items if item in made]
        self.taken = [
            self.item_of_record[c.label] for c in report.calls if c.label in self.item_of_record
        ]
        self.consumers_busy = [
            c for c in report.running if c.label in self.item_of_record
        ]  # sink calls in progress

    def peak_waiting(self) -> int:
        """The most items that were ever made but not yet taken, over the whole run."""
        events = [(c.end, 1) for c in self.report.finished() if c.label in set(self.items)]
        events += [(c.start, -1) for c in self.report.calls if c.label in self.item_of_record]
        peak = current = 0
        for _, delta in sorted(events):
            current += delta
            peak = max(peak, current)
        return peak

    @property
    def lost(self) -> list[str]:
        taken = set(self.taken)
        return [item for item in self.made if item not in taken]


class _Quiet:
    """Tells how long the probe has seen no new event (a call starting or ending)."""

    def __init__(self):
        self.events, self.since = -1, time.monotonic()

    def for_how_long(self, report) -> float:
        events = len(report.calls) + len(report.finished())
        if events != self.events:
            self.events, self.since = events, time.monotonic()
        return time.monotonic() - self.since


@pytest.fixture
async def tasks_left():
    """A check listing the tasks started during the test that are still pending. At the
    end, any such task is cancelled, so a consumer left running cannot leak into the next
    test."""
    before = asyncio.all_tasks()

    def left() -> list[asyncio.Task]:
        current = asyncio.current_task()
        return [t for t in asyncio.all_tasks() - before if t is not current and not t.done()]

    yield left
    for task in left():
        task.cancel()


def _start(kata, source, sink, producers, consumers, poll, maxsize=MAXSIZE):
    call = (
        f"run_pipeline(source, sink, {len(producers)} producers, consumers={consumers}, "
        f"maxsize={maxsize}, poll={poll})"
    )
    run = asyncio.ensure_future(
        kata.run_pipeline(source, sink, producers, consumers, maxsize, poll)
    )
    return run, call


async def _abandon(run: asyncio.Future) -> None:
    run.cancel()
    try:
        await asyncio.wait_for(run, 5)
    except (asyncio.CancelledError, Exception):
        pass


def _fail_stalled(flow: _Flow, call: str, likely_lost: str, quiet: float) -> None:
    picture = flow.report.timeline()
    if flow.lost:
        fail(
            f"the pipeline stalled: {flow.lost} were made and put on the queue, but no "
            f"consumer ever received them (nothing happened for {quiet:.0f} s, and {call} "
            "had not returned)",
            "every item put on the queue reaches exactly one consumer",
            likely_lost,
            picture,
        )
    unmade = [item for item in flow.items if item not in flow.made]
    if unmade:
        fail(
            f"the pipeline stalled with {unmade} never made: the producers stopped "
            f"(nothing happened for {quiet:.0f} s)",
            "the producers put every item; consumers keep taking them until every producer is done",
            "a producer blocked on a full queue that nobody reads any more: did the "
            "consumers stop too early, or never start?",
            picture,
        )
    fail(
        f"every item was handled, but {call} did not return ({quiet:.0f} s after the last "
        "item, it was still running)",
        "run_pipeline returns once every producer is done and every item is handled",
        "the consumers never learn that the producers are done: after the producers finish, "
        "put one STOP marker per consumer (or have each producer end its stream with a "
        "marker, and stop after one marker from every producer), and wait for the "
        "consumers, not for a fixed number of items",
        picture,
    )


async def _finish(run, call, probe, producers, likely_lost) -> list:
    """Await the learner's run; if it stops making progress, fail with what was lost."""
    quiet = _Quiet()
    deadline = time.monotonic() + OVERALL
    while not run.done():
        await asyncio.wait([run], timeout=0.2)
        if run.done():
            break
        flow = _Flow(await probe.areport(), producers)
        window = STALL if flow.taken else STARTUP_STALL
        if quiet.for_how_long(flow.report) > window or time.monotonic() > deadline:
            await _abandon(run)
            _fail_stalled(_Flow(await probe.areport(), producers), call, likely_lost, window)
    try:
        result = run.result()
    except NotDoneYet:
        raise
    except Exception as error:
        fail(
            f"{call} raised {type(error).__name__}: {str(error).strip().splitlines()[-1:]}",
            "a list with one Delivery per item",
            "an error in the pipeline itself: every source and sink call succeeds here",
            (await probe.areport()).timeline(),
        )
    if not isinstance(result, list | tuple):
        fail(
            f"{call} returned {type(result).__name__} {result!r:.80}",
            "a list with one Delivery per item",
            "collect a Delivery for every item the consumers handle and return the list",
        )
    for delivery in result:
        if not all(hasattr(delivery, f) for f in ("consumer", "producer", "seq", "result")):
            fail(
                f"{call} returned a list holding {delivery!r:.80}",
                "Delivery(consumer, producer, seq, result) objects",
                "build a Delivery for every item a consumer handles",
            )
    return list(result)


def _check_exactly_once(deliveries, producers, consumers, picture) -> None:
    expected = _expected(producers)
    got = Counter((d.producer, d.seq) for d in deliveries)
    unknown = [key for key in got if key not in expected]
    if unknown:
        fail(
            f"deliveries for (producer, seq) {unknown[:5]} that no producer made",
            f"(producer, seq) pairs from {sorted(expected)[:4]} ...",
            "tag each item with its producer's key and its index in that producer's list",
            picture,
        )
    missing = [key for key in expected if key not in got]
    if missing:
        fail(
            f"{len(missing)} of {len(expected)} items never delivered: {missing[:6]}",
            "every item delivered exactly once",
            "a consumer that stopped before the queue was empty (a consumer stops only once "
            "EVERY producer is done), or a get that timed out but still took an item",
            picture,
        )
    twice = {key: n for key, n in got.items() if n > 1}
    if twice:
        fail(
            f"items delivered more than once: {dict(list(twice.items())[:5])}",
            "every item delivered exactly once",
            "an item put twice, or a consumer recording the same entry again",
            picture,
        )
    wrong = [d for d in deliveries if d.result != expected[(d.producer, d.seq)]]
    if wrong:
        d = wrong[0]
        fail(
            f"the delivery for {d.producer}#{d.seq} has result {d.result!r}",
            f"{expected[(d.producer, d.seq)]!r}: record = await source.acall(item), "
            "result = await sink.acall(record)",
            "the producer puts the record the source returned; the consumer hands that record "
            "to the sink and keeps what it returns",
            picture,
        )
    bad = sorted({d.consumer for d in deliveries if d.consumer not in range(consumers)}, key=repr)
    if bad:
        fail(
            f"deliveries name consumers {bad}",
            f"consumer numbers 0 .. {consumers - 1}",
            "number the consumers with range(consumers)",
            picture,
        )


def _check_order(deliveries, picture) -> None:
    for consumer in sorted({d.consumer for d in deliveries}):
        for producer in sorted({d.producer for d in deliveries}):
            seqs = [d.seq for d in deliveries if d.consumer == consumer and d.producer == producer]
            if seqs != sorted(seqs):
                fail(
                    f"consumer {consumer} handled producer {producer!r}'s items in the order "
                    f"{seqs}",
                    "each consumer sees every producer's items in the order they were made "
                    "(the queue is first in, first out)",
                    "a producer that puts several items at once (gather over put_async) or "
                    "does not wait for each put; or deliveries not kept in the order each "
                    "consumer handled them",
                    picture,
                )


async def test_every_item_is_delivered_once_in_producer_order(kata, make_probe, tasks_left):
    producers = {"a": _items("a", 6), "b": _items("b", 4), "c": []}
    consumers = 2
    probe = make_probe(gate_timeout=GATE_TIMEOUT)
    # Uneven handling times, so the two consumers interleave.
    sink_delays = {_record(item): 0.03 for item in _items("a", 6)[::2] + _items("b", 4)[1::2]}
    source, sink = _services(probe, producers, sink_delays=sink_delays)
    run, call = _start(kata, source, sink, producers, consumers, POLL)
    deliveries = await _finish(
        run,
        call,
        probe,
        producers,
        "a consumer that stopped before the queue was empty, or a get that timed out but "
        "still took an item",
    )
    picture = (await probe.areport()).timeline()
    _check_exactly_once(deliveries, producers, consumers, picture)
    _check_order(deliveries, picture)


async def test_producers_wait_while_the_queue_is_full(kata, make_probe, tasks_left):
    producers = {"a": _items("a", 8), "b": _items("b", 8)}
    consumers = 2
    # Items made but not yet taken: the queue's maxsize, plus one in each producer's hand
    # (made, waiting for room), plus one in each consumer's (taken, not yet at the sink).
    bound = MAXSIZE + len(producers) + consumers
    probe = make_probe(gate_timeout=GATE_TIMEOUT)
    source, sink = _services(probe, producers, sink_gate="consumers")
    run, call = _start(kata, source, sink, producers, consumers, POLL)

    async def flow():
        return _Flow(await probe.areport(), producers)

    quiet = _Quiet()

    async def full():
        f = await flow()
        busy = len(f.consumers_busy)
        # Stuck short of full with some consumer busy: too few consumers are taking items.
        stuck = busy and quiet.for_how_long(f.report) > STALL
        return (
            run.done()
            or len(f.made) > bound
            or (len(f.made) >= bound and busy >= consumers)
            or stuck
        )

    async def overrun():
        return run.done() or len((await flow()).made) > bound

    # The consumers are frozen at the sink, each holding one item: once the queue is full
    # and each producer holds the next item, the producers must wait.
    await wait_until(full, within=FILL_WITHIN)
    # A producer that does not wait goes on making items: give it a moment to show it.
    await wait_until(overrun, within=SETTLE)
    held = await flow()
    await probe.open_gate("consumers")
    deliveries = await _finish(
        run, call, probe, producers, "a consumer that stopped before the queue was empty"
    )
    final = _Flow(await probe.areport(), producers)
    picture = final.report.timeline()
    peak = final.peak_waiting()
    if peak > bound:
        fail(
            f"while the consumers were busy, the producers ran ahead: up to {peak} items "
            f"were made but not yet taken by a consumer ({len(held.made)} of "
            f"{len(held.items)} made while the {consumers} consumers were each stuck on one)",
            f"at most {bound}: the queue's maxsize={MAXSIZE}, plus one item in each "
            "producer's hand and one in each consumer's; put_async must wait while the "
            "queue is full",
            "an unbounded queue: Queue() or Queue(maxsize=0) never makes a producer wait. "
            "Create it with Queue(maxsize=maxsize)",
            picture,
        )
    if len(held.consumers_busy) < consumers:
        fail(
            f"only {len(held.consumers_busy)} item(s) were being handled at once, with "
            f"consumers={consumers}",
            f"{consumers} consumers taking items from the queue concurrently",
            "start `consumers` consumer tasks, all running at the same time",
            picture,
        )
    _check_exactly_once(deliveries, producers, consumers, picture)


async def test_no_item_is_lost_when_a_poll_times_out(kata, make_probe, tasks_left):
    producers = {"a": _items("a", 6), "b": _items("b", 2)}
    paused = "a3"
    consumers = 2
    probe = make_probe(gate_timeout=GATE_TIMEOUT)
    source, sink = _services(probe, producers, source_gates={paused: "pause"})
    run, call = _start(kata, source, sink, producers, consumers, LOSS_POLL)
    before = producers["a"][:3] + producers["b"]

    quiet = _Quiet()

    def likely(when: str) -> str:
        return (
            "a timed get that still took an item. asyncio.wait_for(queue.get_async(), poll) "
            "stops only YOUR await when poll runs out: the get stays pending inside the "
            "queue actor and swallows the next item put there, which nobody reads. Every "
            f"timeout costs an item (here: {when}). Use queue.get_async(timeout=poll) and "
            "catch ray.util.queue.Empty"
        )

    async def drained():
        f = _Flow(await probe.areport(), producers)
        paused_running = any(c.label == paused for c in f.report.running)
        stuck = quiet.for_how_long(f.report) > STALL
        return run.done() or (paused_running and (set(before) <= set(f.taken) or stuck))

    # Producer "a" is paused before a3 and everything made so far has been taken: the queue
    # is empty and the consumers are waiting on it. Keep it that way for ten poll timeouts.
    await wait_until(drained, within=FILL_WITHIN)
    flow = _Flow(await probe.areport(), producers)
    if not run.done() and any(c.label == paused for c in flow.report.running):
        # a3 started, so a0..a2 were all put on a queue of maxsize 2: some were taken off
        # it. Items taken off the queue but never handled are lost.
        missing = [item for item in before if item not in set(flow.taken)]
        if missing:
            await _abandon(run)
            fail(
                f"{missing} were made and put on the queue, but no consumer received them "
                f"(nothing happened for {STALL:.0f} s; producer 'a' had already put a2 on "
                f"a queue of maxsize {MAXSIZE}, so something had been taking items off it)",
                "every item put on the queue reaches exactly one consumer",
                likely("while the queue actor was starting, the gets timed out again and again"),
                flow.report.timeline(),
            )
    await asyncio.sleep(PAUSE)
    await probe.open_gate("pause")
    during_pause = (
        f"producer 'a' paused for {PAUSE:.0f} s, ten times poll={LOSS_POLL}, so the gets "
        "timed out while items were still to come"
    )
    deliveries = await _finish(run, call, probe, producers, likely(during_pause))
    picture = (await probe.areport()).timeline()
    _check_exactly_once(deliveries, producers, consumers, picture)
    _check_order(deliveries, picture)


async def test_consumers_stop_when_the_producers_are_done(kata, make_probe, tasks_left):
    # More consumers than items: some consumers never get an item and must still stop.
    producers = {"a": _items("a", 2)}
    consumers = 3
    probe = make_probe(gate_timeout=GATE_TIMEOUT)
    source, sink = _services(probe, producers)
    run, call = _start(kata, source, sink, producers, consumers, POLL)
    deliveries = await _finish(
        run, call, probe, producers, "a consumer that stopped before the queue was empty"
    )

    async def nothing_left():
        return not tasks_left()

    if not await wait_until(nothing_left, within=1.0):
        left = tasks_left()
        for task in left:
            task.cancel()
        fail(
            f"{call} returned, but {len(left)} task(s) it started were still running "
            f"(e.g. {left[0].get_coro()!r:.70})",
            "when run_pipeline returns, every consumer has stopped",
            "consumers started with create_task and never stopped or awaited: returning "
            "once enough items have arrived leaves them polling forever. Tell each consumer "
            "to stop (a STOP marker per consumer) and wait for them all",
            (await probe.areport()).timeline(),
        )
    report = await probe.areport()
    if report.running:
        fail(
            f"{call} returned while {[c.label for c in report.running]} were still being handled",
            "run_pipeline returns only after every consumer has finished its last item",
            "wait for the consumers, not just the producers",
            report.timeline(),
        )
    _check_exactly_once(deliveries, producers, consumers, report.timeline())
