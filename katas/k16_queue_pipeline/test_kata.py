"""Kata 16 · Queue pipeline: the tests your code must pass.

How the tests see inside the pipeline: `source` and `sink` are two SlowServices recording
into one probe. A producer's `source.acall(item)` ending means the item was MADE; a consumer's
`sink.acall(record)` starting means a consumer TOOK it off the queue. Made but not yet taken
is what sits in the queue, plus at most one item in each producer's hand (waiting to be put)
and one in each consumer's (taken, about to be handled). Gates held by the test freeze the
consumers (backpressure) or pause a producer (a consumer's timed get times out meanwhile);
the test opens them itself, and the probe's own gate timeout is only a safety net.

The tests also keep a handle on every ray.util.queue.Queue your code creates (they wrap the
name `Queue`), so a diagnosis can rest on what the queue itself says: its maxsize, how many
items sit in it, whether it was shut down.
"""

import asyncio
import contextlib
import sys
import threading
import time
import traceback
from collections import Counter
from pathlib import Path

import pytest
import ray
import ray.util.queue

from dojo import NotDoneYet
from dojo.harness.heartbeat import Heartbeat
from dojo.harness.pulse import Pulse
from dojo.harness.sim import SlowService, answer
from dojo.harness.teach import fail
from dojo.harness.waiting import actors_still_starting, wait_until, wait_until_unless_slowed

# pytest's own limit, above a run's start, its stall windows and the time its actors may take
# to start (STARTS_WITHIN) on a busy machine.
pytestmark = pytest.mark.timeout(60)

MAXSIZE = 2
# The backpressure test's own: another number than the other tests', so a queue made with a
# maxsize written in (or any but the one given) is seen.
FULL_MAXSIZE = 3
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
# While an actor of the run (the queue, consumers written as an actor) is still being created,
# nothing can move, and the stillness is no evidence: it is not counted, for this long at most.
STARTS_WITHIN = 20.0
# Backpressure test: how long the pipeline may take to fill up while the consumers are held
# (it includes starting the queue actor), and how long a producer that does not wait gets
# to show it by making one item too many.
FILL_WITHIN = 15.0
SETTLE = 1.0
# Safety net only: the tests open every gate themselves.
GATE_TIMEOUT = 60.0
# The event-loop test: the source takes IDLE seconds over one item, so the consumers wait on
# an empty queue (polling every LOOP_POLL) meanwhile. A blocked loop freezes for a whole
# poll, inside a blocking call: past CAUGHT_FREEZE that fails.
IDLE = 1.0
LOOP_POLL = 0.5
CAUGHT_FREEZE = 0.4
# The "other producer still works" test: producer "b" stays paused for this many polls while
# one consumer is held at the sink, so a consumer that gives up on an empty queue has the
# time to do so.
WAITING_POLLS = 3
# How long a killed queue actor may take to stop answering.
SHUT_DOWN_WITHIN = 5.0


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


def _services(probe, producers, sink_delays=None, sink_gate=None, source_gates=None, delays=None):
    items = [item for items in producers.values() for item in items]
    source = SlowService(probe, delay=0.0, delays=delays or {}, gates=source_gates or {})
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
    """Tells how long the probe has seen no new event (a call starting or ending), not
    counting the time Ray itself was slow to answer (the watch's pulse): on a loaded machine
    a correct pipeline stands still too, and that is no evidence."""

    def __init__(self, watch: "_Watch"):
        self.pulse = watch.pulse
        self.events, self.since = -1, time.monotonic()

    def for_how_long(self, report) -> float:
        now = time.monotonic()
        events = len(report.calls) + len(report.finished())
        if events != self.events:
            self.events, self.since = events, now
        return now - self.since - self.pulse.overdue_between(self.since, now)

    def restart(self) -> None:
        self.since = time.monotonic()


async def _wait_for(check, within: float, watch: "_Watch"):
    """wait_until(check, within) with _finish's excuses: Ray's slow answers (the watch's
    pulse) and actors of the run still being created (CI on 861f5df: a right answer failed
    "no consumer took an item within 27 s" while the consumers' own actor started)."""
    return await wait_until_unless_slowed(check, within, watch.pulse, STARTS_WITHIN)


RAY_DIR = str(Path(ray.__file__).parent)
ASYNCIO_DIR = str(Path(asyncio.__file__).parent)
QUEUE_FILE = str(Path("ray", "util", "queue.py"))
WORKER_FILE = str(Path("ray", "_private", "worker.py"))


def _blocking_site(stack: list, name: str = "ray.get") -> tuple[str, str]:
    """(through what, where in the code under test) for a stack (outermost frame first)
    that ends in a blocking Ray call."""
    through, where = name, "in code the test cannot see"
    for frame in stack:
        if frame.filename.endswith(QUEUE_FILE):
            through = f"Queue.{frame.name}()"
            break
        yours = not Path(frame.filename).name.startswith("test_")
        if yours and not frame.filename.startswith((RAY_DIR, ASYNCIO_DIR)):
            where = f"{Path(frame.filename).name} line {frame.lineno}: `{frame.line}`"
    return through, where


class _Watch:
    """What the tests keep an eye on while run_pipeline runs.

    * `queues`: every ray.util.queue.Queue the code under test creates, through the name
      `Queue` in its module or ray.util.queue.Queue (a plain function that makes the real
      Queue and keeps it: the queue itself is untouched and can be passed to actors).
    * `pulse`: how promptly the probe's actor and the queues answer a call that does
      nothing, while run_pipeline runs (dojo/harness/pulse.py): the stall windows do not
      count the time they were slow.
    * `heartbeat`, with a way out of a frozen loop. A consumer that calls a blocking queue
      method in a loop with no await (`while True: try: queue.get(timeout=poll) ... except
      Empty: continue`) never gives the event loop back, so nothing on the loop, this test
      included, runs again. Once the heartbeat's thread finds the loop stuck in a ray.get
      for FROZEN_FOR seconds, it notes where, and kills the queue actors: the blocked call
      then fails, the frozen code ends, and the test can say what it saw. (A right answer
      never calls ray.get on the loop, so this cannot happen to one.)
    """

    FROZEN_FOR = 1.5

    def __init__(self):
        self.queues: list = []
        self.frozen: tuple[str, str] | None = None  # (through what, where), once stepped in
        self.heartbeat = Heartbeat(on_stall=self._unfreeze, stall_after=self.FROZEN_FOR)
        self._loop_thread = threading.get_ident()
        self.probe = None
        self.pulse = Pulse(self._ping)

    def _ping(self) -> list:
        refs = [self.probe.ping()] if self.probe is not None else []
        return refs + [q.actor.qsize.remote() for q in list(self.queues) if q.actor is not None]

    async def running(self, run_pipeline, probe):
        """Await the code under test (a coroutine) with the heartbeat watching the loop and
        the pulse watching Ray."""
        self.probe = probe
        with self.pulse:
            async with self.heartbeat:
                return await run_pipeline

    def _unfreeze(self) -> None:  # called once, from the heartbeat's thread
        # A loop of blocking gets spends most of its time inside ray.get, and moments in
        # between: look a few times. If the loop ticks again meanwhile, it was not frozen.
        ticks = self.heartbeat.ticks
        for _ in range(200):
            frame = sys._current_frames().get(self._loop_thread)
            stack = traceback.extract_stack(frame) if frame is not None else []
            del frame
            if any(f.filename.endswith(WORKER_FILE) and f.name == "get" for f in stack):
                break
            if self.heartbeat.ticks != ticks:
                return
            time.sleep(0.01)
        else:
            return  # never in a ray.get: killing the queue would not end it
        self.frozen = _blocking_site(stack)
        for queue in self.queues:
            if queue.actor is not None:
                with contextlib.suppress(Exception):
                    ray.kill(queue.actor, no_restart=True)

    def check(self, call: str, picture: str) -> None:
        """Fail with what froze the loop, if the test had to step in."""
        if self.frozen is None:
            return
        through, where = self.frozen
        fail(
            f"{call} froze the event loop: for over {self.FROZEN_FOR:.1f} s no other "
            f"coroutine could run, while the loop's thread sat in a blocking ray.get, through "
            f"{through} ({where}). (The test killed the queue actor to get the loop back.)",
            "every wait in run_pipeline is awaited: the event loop keeps running while the "
            "queue answers",
            _blocking_lesson(through),
            picture,
        )


@pytest.fixture
def watch(kata, monkeypatch):
    """A _Watch for the test, recording the queues the code under test creates."""
    watching = _Watch()
    real = ray.util.queue.Queue

    def recording(*args, **kwargs):
        queue = real(*args, **kwargs)
        watching.queues.append(queue)
        return queue

    if getattr(kata, "Queue", None) is real:
        monkeypatch.setattr(kata, "Queue", recording)
    monkeypatch.setattr(ray.util.queue, "Queue", recording)
    return watching


class _QueueState:
    """What the queues the code created said at one moment: maxsize, items in each."""

    def __init__(self, facts: list[tuple[int, int | None]]):
        self.facts = facts  # (maxsize, items in it, or None once shut down)

    @classmethod
    async def read(cls, queues) -> "_QueueState":
        facts = []
        for queue in queues:
            size = None
            if queue.actor is not None:
                try:
                    size = await asyncio.wait_for(queue.actor.qsize.remote(), 5)
                except Exception:
                    size = None
            facts.append((queue.maxsize, size))
        return cls(facts)

    @property
    def known(self) -> bool:
        return any(size is not None for _, size in self.facts)

    @property
    def waiting(self) -> int:
        return sum(size for _, size in self.facts if size is not None)

    @property
    def full(self) -> bool:
        return any(size is not None and 0 < maxsize <= size for maxsize, size in self.facts)


def _lost_to_a_timed_get(during: str) -> str:
    return (
        "a timed get that still took an item. asyncio.wait_for(queue.get_async(), poll) "
        "stops only YOUR await when poll runs out: the get stays pending inside the "
        "queue actor and swallows the next item put there, which nobody reads. Every "
        f"timeout costs an item (here: {during}). Use queue.get_async(timeout=poll) and "
        "catch ray.util.queue.Empty"
    )


_CONSUMERS_GONE = (
    "no consumer takes items any more: the consumers stopped before every producer was done "
    "(a consumer stops on STOP only, never because a get timed out or the queue looked "
    "empty), or they never started"
)


def _diagnose_lost(lost: list[str], state: _QueueState, during: str) -> tuple[str, object]:
    """What the queue says about items made but never received: (what it shows, likely)."""
    if state.known and state.waiting > 0:
        return f"; {state.waiting} item(s) were still sitting in the queue", _CONSUMERS_GONE
    if state.known:
        return (
            "; the queue itself was empty: they had been taken off it",
            _lost_to_a_timed_get(during),
        )
    return "", [_lost_to_a_timed_get(during), _CONSUMERS_GONE]


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


class _TasksAtReturn:
    """The kata's run_pipeline, noting the tasks it started that were still pending at the
    moment it returned. They are listed in the very step of the return, before the event
    loop runs anything else: a consumer left running cannot end by accident first (its
    queue, shut down in the same step, fails its next get a few milliseconds later)."""

    def __init__(self, kata):
        self._kata = kata
        self.left: list[asyncio.Task] = []

    async def run_pipeline(self, *args):
        before = asyncio.all_tasks()
        try:
            return await self._kata.run_pipeline(*args)
        finally:
            self.left = [t for t in asyncio.all_tasks() - before if not t.done()]


def _start(kata, watch, source, sink, producers, consumers, poll, maxsize=MAXSIZE):
    call = (
        f"run_pipeline(source, sink, {len(producers)} producers, consumers={consumers}, "
        f"maxsize={maxsize}, poll={poll})"
    )
    run = asyncio.ensure_future(
        watch.running(
            kata.run_pipeline(source, sink, producers, consumers, maxsize, poll), source.probe
        )
    )
    return run, call


async def _abandon(run: asyncio.Future) -> None:
    run.cancel()
    try:
        await asyncio.wait_for(run, 5)
    except (asyncio.CancelledError, Exception):
        pass


def _fail_stalled(flow: _Flow, call: str, quiet: float, state: _QueueState, during: str):
    picture = flow.report.timeline()
    if flow.lost:
        shows, likely = _diagnose_lost(flow.lost, state, during)
        fail(
            f"the pipeline stalled: {flow.lost} were made and put on the queue, but no "
            f"consumer ever received them (nothing happened for {quiet:.0f} s, and {call} "
            f"had not returned){shows}",
            "every item put on the queue reaches exactly one consumer",
            likely,
            picture,
        )
    unmade = [item for item in flow.items if item not in flow.made]
    if unmade:
        fail(
            f"the pipeline stalled with {unmade} never made: the producers stopped "
            f"(nothing happened for {quiet:.0f} s)"
            + (f"; the queue was full ({state.waiting} items)" if state.full else ""),
            "the producers put every item; consumers keep taking them until every producer is done",
            _CONSUMERS_GONE
            if state.full
            else [
                "a producer blocked on a full queue that nobody reads any more: " + _CONSUMERS_GONE,
                "a producer that stopped early or is stuck: each producer makes and puts "
                "every item of its list, one after another",
            ],
            picture,
        )
    fail(
        f"every item was handled, but {call} did not return ({quiet:.0f} s after the last "
        "item, it was still running)",
        "run_pipeline returns once every producer is done and every item is handled",
        "the consumers never learn that the producers are done: once every producer has "
        "finished, put one STOP marker per consumer, and wait for the consumers, not for a "
        "fixed number of items",
        picture,
    )


async def _finish(run, call, probe, producers, watch, during: str) -> list:
    """Await the learner's run; if it stops making progress, fail with what was lost.
    `during`: when the consumers' gets timed out in this test (for the lost-item story)."""
    quiet = _Quiet(watch)
    started = time.monotonic()
    deadline = started + OVERALL
    while not run.done():
        await asyncio.wait([run], timeout=0.2)
        if run.done():
            break
        flow = _Flow(await probe.areport(), producers)
        window = STALL if flow.taken else STARTUP_STALL
        # Like the stall windows, the overall limit does not count Ray's slow moments.
        now = time.monotonic() - watch.pulse.overdue_between(started, time.monotonic())
        if quiet.for_how_long(flow.report) > window or now > deadline:
            if await actors_still_starting(started, STARTS_WITHIN):
                quiet.restart()
                deadline = max(deadline, time.monotonic() + STALL)
                continue
            watch.check(call, flow.report.timeline())
            # Read the queue before abandoning the run (which may shut it down).
            state = await _QueueState.read(watch.queues)
            flow = _Flow(await probe.areport(), producers)
            await _abandon(run)
            _fail_stalled(flow, call, window, state, during)
    watch.check(call, (await probe.areport()).timeline())
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
            f"{len(missing)} of {len(expected)} items never delivered: "
            f"{', '.join(map(repr, missing[:6]))}{', …' if len(missing) > 6 else ''}",
            "every item delivered exactly once",
            [
                "a consumer that stopped before the queue was empty (a consumer stops only "
                "once EVERY producer is done)",
                "a get that timed out but still took an item (asyncio.wait_for around "
                "get_async); queue.get_async(timeout=poll) raises Empty only when the queue "
                "itself was empty",
                "a delivery that was never recorded",
            ],
            picture,
        )
    twice = {key: n for key, n in got.items() if n > 1}
    if twice:
        fail(
            f"items delivered more than once: {dict(list(twice.items())[:5])}",
            "every item delivered exactly once",
            ["an item put twice", "a consumer recording the same entry again"],
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
                    [
                        "producers that do not wait for their put: put_async started with "
                        "create_task, or several at once (gather over put_async)",
                        "deliveries not kept in the order each consumer handled them",
                    ],
                    picture,
                )


class _BlockingCalls:
    """Counts the ray.get and ray.wait calls made on the event loop's thread while it is
    installed (they are still made: this only watches). Such a call stops the whole loop
    until Ray answers; ray.util.queue.Queue's get, get_nowait, put, put_nowait, size, empty
    and full are all made of one."""

    def __init__(self, monkeypatch):
        self.thread = threading.get_ident()
        self.count = 0
        self.first: tuple[str, str] | None = None  # (through what, where in your code)
        for name in ("get", "wait"):
            monkeypatch.setattr(ray, name, self._watch(getattr(ray, name), f"ray.{name}"))

    def _watch(self, real, name: str):
        def watched(*args, **kwargs):
            if threading.get_ident() == self.thread:
                self.count += 1
                if self.first is None:
                    stack = traceback.extract_stack(sys._getframe(1))
                    self.first = _blocking_site(stack, name)
            return real(*args, **kwargs)

        return watched


def _blocking_lesson(through: str) -> str:
    if through == "Queue.get_nowait()":
        return (
            "polling the queue with get_nowait(): each call is a ray.get that holds the event "
            "loop until the queue actor answers, and a loop of them keeps the loop busy "
            "instead of waiting. Wait with `await queue.get_async(timeout=poll)`: the waiting "
            "then happens inside the queue actor"
        )
    if through == "Queue.get()":
        return (
            "Queue.get() is the blocking twin of get_async: it waits for the queue actor with "
            "ray.get, and the whole event loop waits with it. Use "
            "`await queue.get_async(timeout=poll)`"
        )
    if through in ("Queue.put()", "Queue.put_nowait()"):
        return (
            f"{through} waits for the queue actor with ray.get, and the whole event loop "
            "waits with it. Use `await queue.put_async(...)`"
        )
    return (
        f"a blocking {through} inside a coroutine: `await` the ref, or the queue's "
        "*_async method, instead"
    )


async def test_every_item_is_delivered_once_in_producer_order(kata, make_probe, tasks_left, watch):
    producers = {"a": _items("a", 6), "b": _items("b", 4), "c": []}
    consumers = 2
    probe = make_probe(gate_timeout=GATE_TIMEOUT)
    # Uneven handling times, so the two consumers interleave.
    sink_delays = {_record(item): 0.03 for item in _items("a", 6)[::2] + _items("b", 4)[1::2]}
    source, sink = _services(probe, producers, sink_delays=sink_delays)
    run, call = _start(kata, watch, source, sink, producers, consumers, POLL)
    deliveries = await _finish(
        run, call, probe, producers, watch, f"whenever the queue stayed empty for {POLL} s"
    )
    picture = (await probe.areport()).timeline()
    _check_exactly_once(deliveries, producers, consumers, picture)
    _check_order(deliveries, picture)


def _ran_ahead(state: _QueueState, bound: int, maxsize: int) -> str | list[str]:
    """Why items piled up beyond the bound, from what the queue says about itself."""
    sizes = {maxsize for maxsize, _ in state.facts}
    if sizes and all(maxsize is None or maxsize <= 0 for maxsize in sizes):
        return (
            "an unbounded queue: Queue() or Queue(maxsize=0) never makes a producer wait. "
            "Create it with Queue(maxsize=maxsize)"
        )
    if sizes and all(made > maxsize for made in sizes):
        return (
            f"a queue larger than asked for: Queue(maxsize={min(sizes)}), with maxsize="
            f"{maxsize}. Create it with Queue(maxsize=maxsize)"
        )
    not_waiting = (
        "producers that do not wait for their put: a put_async started with "
        "asyncio.create_task / ensure_future (or a put inside a task nobody awaits) lets the "
        "producer go on making items. `await queue.put_async(...)` in the producer itself"
    )
    kept_aside = "items kept in a buffer of your own before they are put on the queue"
    if sizes == {maxsize}:
        # Items may also leave the queue without reaching a consumer: swallowed by gets
        # nobody waits for any more.
        return [not_waiting, kept_aside, _lost_to_a_timed_get("whenever the queue stayed empty")]
    return [
        "an unbounded queue (Queue() or Queue(maxsize=0)) or one larger than maxsize",
        not_waiting,
        kept_aside,
    ]


async def test_producers_wait_while_the_queue_is_full(kata, make_probe, tasks_left, watch):
    producers = {"a": _items("a", 8), "b": _items("b", 8)}
    consumers = 2
    maxsize = FULL_MAXSIZE
    # Items made but not yet taken: the queue's maxsize, plus one in each producer's hand
    # (made, waiting for room), plus one in each consumer's (taken, not yet at the sink).
    bound = maxsize + len(producers) + consumers
    probe = make_probe(gate_timeout=GATE_TIMEOUT)
    source, sink = _services(probe, producers, sink_gate="consumers")
    run, call = _start(kata, watch, source, sink, producers, consumers, POLL, maxsize)

    async def flow():
        return _Flow(await probe.areport(), producers)

    quiet = _Quiet(watch)

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

    async def under_way():
        f = await flow()
        return run.done() or bool(f.taken) or len(f.made) > bound

    try:
        # Starting the queue actor (and consumers written as an actor) takes seconds on a
        # busy machine: the time to fill counts from the first item a consumer takes.
        await _wait_for(under_way, STARTUP_STALL, watch)
        # The consumers are frozen at the sink, each holding one item: once the queue is
        # full and each producer holds the next item, the producers must wait.
        await _wait_for(full, FILL_WITHIN, watch)
        # A producer that does not wait goes on making items: give it a moment to show it.
        await wait_until(overrun, within=SETTLE)
        held = await flow()
        state = await _QueueState.read(watch.queues)
    finally:
        await probe.open_gate("consumers")
    deliveries = await _finish(
        run, call, probe, producers, watch, f"whenever the queue stayed empty for {POLL} s"
    )
    final = _Flow(await probe.areport(), producers)
    picture = final.report.timeline()
    peak = final.peak_waiting()
    if peak > bound:
        in_queue = (
            f"; the queue itself held {state.waiting} (maxsize "
            f"{', '.join(str(m) for m, _ in state.facts)})"
            if state.known
            else ""
        )
        fail(
            f"while the consumers were busy, the producers ran ahead: up to {peak} items "
            f"were made but not yet taken by a consumer ({len(held.made)} of "
            f"{len(held.items)} made while the {consumers} consumers were each stuck on "
            f"one{in_queue})",
            f"at most {bound}: the queue's maxsize={maxsize}, plus one item in each "
            "producer's hand and one in each consumer's; put_async must wait while the "
            "queue is full",
            _ran_ahead(state, bound, maxsize),
            picture,
        )
    made = sorted({size for size, _ in state.facts})
    if made and made != [maxsize]:
        fail(
            f"run_pipeline(..., maxsize={maxsize}) made its queue with maxsize="
            f"{', '.join(map(str, made))}",
            f"Queue(maxsize={maxsize}): the queue holds what the caller allows, no more and no "
            "less",
            "a maxsize written as a number (the other tests give 2) instead of the `maxsize` "
            "argument"
            if made == [MAXSIZE]
            else "a maxsize other than the `maxsize` argument: Queue(maxsize=maxsize)",
            picture,
        )
    if not held.taken:
        fail(
            f"no consumer took an item within {STARTUP_STALL + FILL_WITHIN:.0f} s, while "
            f"{len(held.made)} item(s) had been made",
            f"{consumers} consumers taking items from the queue concurrently",
            [
                "consumers never started (not created, or not awaited alongside the producers)",
                "consumers that wait for something else (the producers to finish, a STOP) "
                "before their first get",
                "a machine too busy to start the queue or the consumers in that time",
            ],
            picture,
        )
    if len(held.consumers_busy) < consumers:
        fail(
            f"only {len(held.consumers_busy)} item(s) were being handled at once, with "
            f"consumers={consumers} and items waiting to be taken",
            f"{consumers} consumers taking items from the queue concurrently",
            "start `consumers` consumer tasks, all running at the same time",
            picture,
        )
    _check_exactly_once(deliveries, producers, consumers, picture)


async def test_no_item_is_lost_when_a_poll_times_out(kata, make_probe, tasks_left, watch):
    producers = {"a": _items("a", 6), "b": _items("b", 2)}
    paused = "a3"
    consumers = 2
    probe = make_probe(gate_timeout=GATE_TIMEOUT)
    source, sink = _services(probe, producers, source_gates={paused: "pause"})
    run, call = _start(kata, watch, source, sink, producers, consumers, LOSS_POLL)
    before = producers["a"][:3] + producers["b"]

    quiet = _Quiet(watch)

    async def drained():
        f = _Flow(await probe.areport(), producers)
        paused_running = any(c.label == paused for c in f.report.running)
        window = STALL if f.taken else STARTUP_STALL
        stuck = quiet.for_how_long(f.report) > window
        return run.done() or stuck or (paused_running and set(before) <= set(f.taken))

    try:
        # Producer "a" is paused before a3 and everything made so far has been taken: the
        # queue is empty and the consumers are waiting on it. Keep it that way for ten poll
        # timeouts.
        await _wait_for(drained, FILL_WITHIN, watch)
        flow = _Flow(await probe.areport(), producers)
        if not run.done() and any(c.label == paused for c in flow.report.running):
            # a3 started, so a0..a2 were all put on a queue of maxsize 2: some were taken
            # off it. Items taken off the queue but never handled are lost.
            missing = [item for item in before if item not in set(flow.taken)]
            if missing:
                state = await _QueueState.read(watch.queues)
                await _abandon(run)
                shows, likely = _diagnose_lost(
                    missing,
                    state,
                    "while the queue actor was starting, the gets timed out again and again",
                )
                fail(
                    f"{missing} were made and put on the queue, but no consumer received "
                    f"them (nothing happened for {STALL:.0f} s; producer 'a' had already put "
                    f"a2 on a queue of maxsize {MAXSIZE}){shows}",
                    "every item put on the queue reaches exactly one consumer",
                    likely,
                    flow.report.timeline(),
                )
            await asyncio.sleep(PAUSE)
    finally:
        await probe.open_gate("pause")
    during_pause = (
        f"producer 'a' paused for {PAUSE:.0f} s, ten times poll={LOSS_POLL}, so the gets "
        "timed out while items were still to come"
    )
    deliveries = await _finish(run, call, probe, producers, watch, during_pause)
    picture = (await probe.areport()).timeline()
    _check_exactly_once(deliveries, producers, consumers, picture)
    _check_order(deliveries, picture)


async def test_a_consumer_waits_while_another_producer_works(kata, make_probe, tasks_left, watch):
    # Producer "a" makes one item and is done; producer "b" is paused before its first item.
    # The consumer that takes a0 is held at the sink, so the other one is alone on the queue
    # while "b" still works: it must still be there to take b's items when they come.
    producers = {"a": _items("a", 1), "b": _items("b", 2)}
    consumers = 2
    held = _record("a0")
    probe = make_probe(gate_timeout=GATE_TIMEOUT)
    source = SlowService(probe, delay=0.0, gates={"b0": "pause"})
    sink = SlowService(probe, delay=0.0, gates={held: "held"})
    run, call = _start(kata, watch, source, sink, producers, consumers, POLL)
    flow = None
    try:

        async def a0_held():
            report = await probe.areport()
            return run.done() or any(c.label == held for c in report.running)

        if await _wait_for(a0_held, FILL_WITHIN, watch) and not run.done():
            # Producer "a" is done; "b" still works. Leave the other consumer alone on the
            # empty queue for a few polls, then let "b" make its items.
            await asyncio.sleep(WAITING_POLLS * POLL)
            await probe.open_gate("pause")
            quiet = _Quiet(watch)

            async def b_taken_or_stuck():
                f = _Flow(await probe.areport(), producers)
                taken = set(producers["b"]) <= set(f.taken)
                return run.done() or taken or quiet.for_how_long(f.report) > STALL

            await _wait_for(b_taken_or_stuck, FILL_WITHIN, watch)
            if not run.done():
                flow = _Flow(await probe.areport(), producers)
    finally:
        await probe.open_gate("pause")
        await probe.open_gate("held")
    stranded = flow and [i for i in producers["b"] if i in flow.made and i not in flow.taken]
    if stranded:
        await _abandon(run)
        fail(
            f"while one consumer was busy with a0 (held at the sink by the test), producer "
            f"'b' made {stranded}, and no other consumer took them for {STALL:.0f} s: "
            f"{consumers} consumers, but only the busy one was taking items",
            "the other consumer keeps taking items until every producer is done: producer "
            "'a' had finished, but 'b' was still working",
            [
                "end markers counted by each consumer: when each producer puts one end "
                "marker per consumer and a consumer stops after as many as there are "
                "producers, one consumer can take several markers of the same (fast) "
                "producer and stop while another producer still works. Put the STOP "
                "markers only once EVERY producer is done, one per consumer",
                "a consumer that stopped before every producer was done because a timed get "
                "found the queue empty: Empty only means 'nothing yet', not the end",
                "fewer consumers started than `consumers`",
                "consumers that take turns: a lock held across the get and the sink call "
                "lets one consumer work at a time, so the others wait while it is busy",
            ],
            flow.report.timeline(),
        )
    deliveries = await _finish(
        run, call, probe, producers, watch, f"whenever the queue stayed empty for {POLL} s"
    )
    picture = (await probe.areport()).timeline()
    _check_exactly_once(deliveries, producers, consumers, picture)


async def test_consumers_stop_when_the_producers_are_done(kata, make_probe, tasks_left, watch):
    # More consumers than items: some consumers never get an item and must still stop.
    producers = {"a": _items("a", 2)}
    consumers = 3
    probe = make_probe(gate_timeout=GATE_TIMEOUT)
    source, sink = _services(probe, producers)
    looked = _TasksAtReturn(kata)
    run, call = _start(looked, watch, source, sink, producers, consumers, POLL)
    deliveries = await _finish(
        run, call, probe, producers, watch, f"whenever the queue stayed empty for {POLL} s"
    )
    if left := looked.left:
        fail(
            f"{call} returned while {len(left)} task(s) it started were still running "
            f"(e.g. {left[0].get_coro()!r:.70})",
            "when run_pipeline returns, every consumer has stopped",
            "consumers started as tasks and never stopped or awaited: returning once enough "
            "items have arrived leaves them polling. Tell each consumer to stop (a STOP "
            "marker per consumer) and wait for them all",
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

    async def shut_down():
        state = await _QueueState.read(watch.queues)
        return not state.known

    if not await wait_until(shut_down, within=SHUT_DOWN_WITHIN):
        fail(
            f"{call} had returned, but its queue's actor still answered "
            f"{SHUT_DOWN_WITHIN:.0f} s later",
            "the queue is shut down when run_pipeline ends",
            "the queue is an actor and lives until it is shut down: call "
            "queue.shutdown(force=True) at the end, in a `finally`",
        )


async def test_the_pipeline_never_blocks_the_event_loop(kata, make_probe, monkeypatch, watch):
    producers = {"a": _items("a", 4)}
    consumers = 2
    probe = make_probe(gate_timeout=GATE_TIMEOUT)
    # The source takes IDLE seconds over a2: meanwhile the consumers wait on an empty queue.
    source, sink = _services(probe, producers, delays={"a2": IDLE})
    blocking = _BlockingCalls(monkeypatch)
    run, call = _start(kata, watch, source, sink, producers, consumers, LOOP_POLL)
    during = f"whenever the queue stayed empty for {LOOP_POLL} s"
    deliveries = await _finish(run, call, probe, producers, watch, during)
    picture = (await probe.areport()).timeline()
    if blocking.count:
        through, where = blocking.first
        fail(
            f"{call} made {blocking.count} blocking ray.get call(s) on the event loop's "
            f"thread, the first through {through} ({where})",
            "every wait in run_pipeline is awaited: the event loop keeps running while the "
            "queue answers",
            _blocking_lesson(through),
            picture,
        )
    watch.heartbeat.assert_loop_stayed_free(f"{call} ran", caught_limit=CAUGHT_FREEZE)
    _check_exactly_once(deliveries, producers, consumers, picture)
