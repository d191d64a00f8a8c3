"""Kata 13 · Actors awaiting other work: the tests your code must pass."""

import asyncio
import contextlib
import time
import uuid

import pytest
import ray

from dojo.harness.actor_loop_calls import loop_calls, watching_loop_calls
from dojo.harness.actors import actors_starting, killed_at_the_end, outcome
from dojo.harness.sim import CALLED_IN_AN_ACTOR, SlowService, answer
from dojo.harness.teach import fail, finishes_within
from dojo.harness.timeline import render
from dojo.harness.waiting import wait_until

# Starting the actor and warming worker processes happen inside the tests and may take tens
# of seconds on a crowded machine (each wait is bounded on its own); the limit covers them.
pytestmark = pytest.mark.timeout(90)

ITEMS = ["ant", "bee"]

# Lookups are held at a gate (HOLD) that the test opens once it has seen what it needs: all
# of them in flight together (a right answer), or no new one for LOOKUP_IDLE seconds. Each
# held lookup occupies a worker process. Ray keeps as many idle workers as the node has CPUs
# (2) and stops any extra ones after about a second; a new one takes seconds to start on a
# crowded machine. So a test never holds more than 2 lookups at once, and warms 2 workers up
# first: then a right answer's lookups reach the gate within a fraction of a second of each
# other, and LOOKUP_IDLE can be short without blaming a slow machine on the learner.
HOLD = "hold the lookups"
WORKERS = 2
FIRST_LOOKUP_WITHIN = 20.0  # the first lookup may still wait for a worker process
LOOKUP_IDLE = 3.0
# While lookups are held, the test pings the actor: a free loop answers in milliseconds.
PING_PATIENCE = 3.0
# The early verdict on "one lookup at a time" (`_TakenItems`): combine had taken only as many
# items from its list as it had lookups held, ping() answered (combine was suspended, waiting),
# and it took no next item for STALL_QUIET s more (as dojo.harness.handoffs.QUIET, for the
# same evidence). Between two of the test's looks, a gap longer than STALL_MAX_TICK_GAP (the
# test's loop or the machine stalled) starts the quiet again.
STALL_QUIET = 1.0
STALL_MAX_TICK_GAP = 0.5
# How long taking an item may wait for its mark to reach the probe (a call to the probe actor:
# milliseconds, unless the machine is crowded). After that the item is handed out anyway.
MARK_LANDS_WITHIN = 30.0
TOOK = "combine took an item: "  # the marks' prefix
# The test opens every gate itself; the probe's own timeout is only a safety net.
GATE_SAFETY = 60.0

# A self-call that awaits answers in milliseconds; one that blocks never answers. When it has
# not answered after SELF_CALL_WITHIN, the test calls other() itself: a free loop runs it at
# once (the self-call is only slow), a deadlocked one cannot (PING_PATIENCE).
SELF_CALL_WITHIN = 2.0
# The given deadlock demonstration gives up after this long (inside the actor).
DEMO_TIMEOUT = 1.0
# Seconds for a new Aggregator to answer ping(), and more while Ray is still creating it.
STARTED_WITHIN = 25.0
CREATING_GRACE = 20.0


@pytest.fixture
def actors(ray_cluster):
    """Keep every actor a test creates, and kill it when the test ends, whatever happened
    (a deadlocked actor never comes back by itself)."""
    with killed_at_the_end() as keep:
        yield keep


WARM = "warm-up"


@ray.remote(num_cpus=0)
def _hold_a_worker(service):
    return service.call(WARM)


def _start_warming(probe) -> list:
    """Start WORKERS tasks that each hold a worker process at the gate WARM of the test's
    probe. Started together with the actors, so the processes start while the actors do."""
    service = SlowService(probe, delay=0.0, gates={WARM: WARM})
    return [_hold_a_worker.remote(service) for _ in range(WORKERS)]


async def _warmed(probe, holders: list) -> None:
    """Wait until all the warm-up tasks hold a worker at once, then let them go: right after
    this, WORKERS idle worker processes are ready for the lookups (and Ray keeps them)."""

    async def all_holding():
        return sum(c.label == WARM for c in (await probe.areport()).running) >= len(holders)

    await wait_until(all_holding, within=25)
    await probe.open_gate(WARM)
    await finishes_within(asyncio.gather(*holders), 25, "warming up worker processes")


async def _started(aggregator) -> None:
    """Wait until the actor is up (a new worker process), so timing starts after that. An
    Aggregator Ray is still creating after STARTED_WITHIN gets CREATING_GRACE more: that is a
    busy machine's time, not the code's (a CI run at a load average past 40 saw one not up
    within 25 s)."""
    try:
        await finishes_within(
            aggregator.ping.remote(), STARTED_WITHIN, "starting the Aggregator (ping)"
        )
    except pytest.fail.Exception:
        if not await asyncio.to_thread(actors_starting, "Aggregator"):
            raise
        await finishes_within(
            aggregator.ping.remote(),
            CREATING_GRACE,
            f"starting the Aggregator (ping), {STARTED_WITHIN:.0f} s after it was asked for",
        )


def _taken_items_class() -> type:
    """`_TakenItems`, made in a function: cloudpickle then sends the class itself with the
    items (about 3.5 KB, once), where a class it can import by name would make the
    Aggregator's process import this test module (pytest and all: a tenth of a second, on
    every green run). Hence everything its methods use is inside them, or a plain value."""

    class _TakenItems(list):
        """combine's items, telling the test's probe each time the code takes the next one (a
        `for` loop, a comprehension, zip...) and waiting until the probe has it. combine runs
        in the actor, where the test cannot count its `lookup.remote` calls; what it takes
        from the list before it waits shows the same thing. Waiting for the mark to land makes
        it certain: once ping() has answered (the loop was free, so combine was suspended at
        an await), the probe holds every item combine had taken by then. Code that reads the
        items another way (`items[i]`) makes no marks, and gets the test's full wait."""

        def __init__(self, items, probe):
            super().__init__(items)
            self.probe = probe
            self._id = uuid.uuid4().hex[:8]  # each copy (the actor's is unpickled) marks its own
            self._taken = 0

        def __reduce__(self):
            # Not list's default pickling, which iterates (and would mark) while Ray pickles
            # the call in the test's process.
            return (type(self), (list(list.__iter__(self)), self.probe))

        def __iter__(self):
            for item in list.__iter__(self):
                self._taken += 1
                with contextlib.suppress(Exception):  # a lost mark only costs the early verdict
                    mark = self.probe.mark(f"{TOOK}{self._id} #{self._taken}")
                    # .future().result(), not ray.get: no warning about a blocking call in an
                    # async actor that would be the test's, not the learner's.
                    mark.future().result(timeout=MARK_LANDS_WITHIN)
                yield item

    return _TakenItems


_TakenItems = _taken_items_class()


def _taken(report) -> int:
    return sum(m.startswith(TOOK) for m in report.marks)


def _lookups(report, labels) -> list:
    """The report's calls that are lookups of the test (not the warm-up)."""
    return [c for c in report.calls if c.label in labels]


def _picture(report, labels) -> str:
    return render(_lookups(report, labels), "the lookups")


def _settle(calls: list) -> None:
    """Leave no learner's call behind: read the error of every finished one (so none is
    logged later as "Task exception was never retrieved"), stop waiting for the rest."""
    for call in calls:
        if not call.done():
            call.cancel()
        elif not call.cancelled():
            call.exception()


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


async def _outcome(ref):
    """The result of a call, or the Ray error it raised (finishes_within would read a
    GetTimeoutError, which is a TimeoutError, as a hang of its own)."""
    return await outcome(ref, ray.exceptions.RayError)


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
    if CALLED_IN_AN_ACTOR in report.marks:
        fail(
            "the service was called from the Aggregator's own process, not from lookup tasks",
            "one lookup task per item: lookup.remote(service, item), awaited",
            "combine calling the service itself (service.call, in a thread or not) instead of "
            "starting the given lookup task for each item",
            report.timeline(),
        )
    looked_up = sorted(c.label for c in report.finished(outcome="ok"))
    if looked_up != sorted(ITEMS):
        fail(
            f"the service saw the calls {looked_up!r}",
            f"one lookup per item: {sorted(ITEMS)!r}",
            "each item must be looked up exactly once, with lookup.remote(service, item)",
            report.timeline(),
        )


class Held:
    """What the test saw while it held the lookups: the report when it stopped waiting, how
    many of them were in flight together, whether ping() answered meanwhile, and whether the
    test stopped early on seeing combine wait after taking only the held items."""

    def __init__(self, report, labels, ping, stalled: bool = False):
        self.report = report
        self.stalled = stalled
        running = sum(c.label in labels for c in report.running)
        self.together = max(running, report.peak_among(labels))
        self.were = "was" if self.together == 1 else "were"
        self.pinged = ping is not None
        self.loop_free = self.pinged and ping.done() and ping.exception() is None

    def fail_if_none_started(self, what: str, labels) -> None:
        if self.together == 0:
            fail(
                f"{what}: no lookup had started after {FIRST_LOOKUP_WITHIN:.0f} s",
                "its lookups running, held at a gate by the test",
                "combine never started the lookup tasks (lookup.remote(service, item))",
                _picture(self.report, labels),
            )


async def _hold_lookups(
    aggregator, probe, labels: set, calls: list, items_marked: bool = False
) -> Held:
    """Poll until every lookup in `labels` is in flight at once (held at the gate), or no new
    one has arrived for LOOKUP_IDLE seconds. Once the first is held, ping the actor: whether
    it answers tells a blocked event loop from a free one. If a learner's call ends first,
    stop: its error (NOT DONE YET, ...) or its early result is the real story.

    With `items_marked` (one combine call, its items a `_TakenItems`), also stop as soon as
    the evidence is conclusive: after ping() answered, combine had taken from its list only
    items whose lookups are held, and took no next one for STALL_QUIET s. It is waiting for
    those lookups before it starts the next, and they end only when the test opens the gate."""
    ping = None
    seen, last_arrival = 0, time.monotonic()
    first_by = time.monotonic() + FIRST_LOOKUP_WITHIN
    stalled, quiet_since, last_look, state = False, None, time.monotonic(), None
    while True:
        failed = [call for call in calls if call.done() and call.exception() is not None]
        if failed:
            await failed[0]  # raises it
        report = await probe.areport()
        running = sum(c.label in labels for c in report.running)
        if running >= len(labels) or any(call.done() for call in calls):
            break
        if running and ping is None:
            ping = asyncio.ensure_future(aggregator.ping.remote())
        now = time.monotonic()
        if items_marked:
            pinged = ping is not None and ping.done() and ping.exception() is None
            taken = _taken(report)
            waiting = pinged and 0 < taken == running < len(labels)
            steady = now - last_look <= STALL_MAX_TICK_GAP and (taken, running) == state
            if not (waiting and steady):
                quiet_since, state = now, (taken, running)
            elif now - quiet_since >= STALL_QUIET:
                stalled = True
                break
            last_look = now
        if running > seen:
            seen, last_arrival = running, now
        elif seen == 0 and now < first_by:
            pass  # nothing started yet: a worker process may still be starting
        elif now - last_arrival > LOOKUP_IDLE:
            break
        await asyncio.sleep(0.02)
    held = Held(report, labels, ping, stalled)
    if ping is not None and not ping.done():
        ping.cancel()  # it waits behind a blocked loop; the actor is killed at the end
    return held


async def test_combine_starts_every_lookup_before_waiting(kata, make_probe, actors):
    probe = make_probe(gate_timeout=GATE_SAFETY)
    holders = _start_warming(probe)
    aggregator = actors(kata.Aggregator.remote())
    items = ["first", "second"]
    service = SlowService(probe, delay=0.0, gates=dict.fromkeys(items, HOLD))
    await _started(aggregator)
    await _warmed(probe, holders)
    what = f"combine(service, {items!r})"
    marked = _TakenItems(items, probe)
    calls = [asyncio.ensure_future(aggregator.combine.remote(service, marked))]
    try:
        try:
            held = await _hold_lookups(aggregator, probe, set(items), calls, items_marked=True)
        finally:
            await probe.open_gate(HOLD)  # all in flight (or given up): let them go
        result = await finishes_within(calls[0], 25, what)
    finally:
        _settle(calls)
    report = await probe.areport()
    _check_combined(result, items, _picture(report, items))
    if held.together >= len(items):
        return
    held.fail_if_none_started(what, items)
    if CALLED_IN_AN_ACTOR in report.marks:
        likely = (
            "combine calling the service itself in the actor (service.call) instead of "
            "starting a lookup task per item: each blocking call holds the actor's thread. "
            "Start every lookup task first, then `await asyncio.gather(*refs)`"
        )
    elif held.loop_free:
        likely = (
            "awaiting each lookup before starting the next (`await lookup.remote(...)` inside "
            "the loop over items): start every lookup task first, then await them together "
            "with `await asyncio.gather(*refs)`"
        )
    else:
        likely = (
            "a blocking wait per item (ray.get(lookup.remote(...)) in the loop over items): it "
            "starts one lookup and holds the actor's only event-loop thread until that one is "
            "done (ping() could not answer meanwhile). Start every lookup first, then "
            "`await asyncio.gather(*refs)`"
        )
    if held.stalled:
        waited = (
            f"held at a gate; combine had taken only {_taken(held.report)} item(s) from its "
            f"list, and with its event loop free (ping() answered) it took no next one for "
            f"{STALL_QUIET:g} s: it was waiting for the held lookup, so the test let them go"
        )
    else:
        waited = (
            f"held at a gate; the test waited {LOOKUP_IDLE:.0f} s for the other, then let them go"
        )
    fail(
        f"only {held.together} of the {len(items)} lookups of {what} {held.were} in flight at once "
        f"({waited})",
        f"all {len(items)} lookups in flight together: combine starts every lookup before it "
        "waits for any",
        likely,
        picture=_picture(report, items),
    )


async def test_concurrent_callers_are_not_serialised(kata, make_probe, actors):
    probe = make_probe(gate_timeout=GATE_SAFETY)
    holders = _start_warming(probe)
    aggregator = actors(kata.Aggregator.remote())
    batches = [["caller 1's item"], ["caller 2's item"]]
    labels = {item for batch in batches for item in batch}
    service = SlowService(probe, delay=0.0, gates=dict.fromkeys(labels, HOLD))
    await _started(aggregator)
    await _warmed(probe, holders)
    calls = [asyncio.ensure_future(aggregator.combine.remote(service, b)) for b in batches]
    try:
        try:
            held = await _hold_lookups(aggregator, probe, labels, calls)
        finally:
            await probe.open_gate(HOLD)  # all in flight (or given up): let them go
        results = await finishes_within(
            asyncio.gather(*calls), 25, f"{len(batches)} combine calls on one Aggregator"
        )
    finally:
        _settle(calls)
    report = await probe.areport()
    for batch, result in zip(batches, results, strict=True):
        _check_combined(result, batch, _picture(report, labels))
    if held.together >= len(labels):
        return
    held.fail_if_none_started(f"{len(batches)} combine calls", labels)
    if held.loop_free:
        likely = (
            "the combine calls wait for each other although the event loop is free (ping() "
            "answered): an asyncio.Lock (or a Semaphore(1)) held around combine's work. Each "
            "call awaits only its own lookups; nothing needs to be locked"
        )
    else:
        likely = [
            "a blocking wait inside combine: ray.get(...) holds the actor's only event-loop "
            "thread, so the next call cannot start. Use `await asyncio.gather(*refs)`",
            "the actor created with max_concurrency=1: Ray hands it one call at a time",
        ]
    fail(
        f"only {held.together} of {len(labels)} lookups {held.were} in flight at once: "
        f"{len(batches)} callers sent combine to ONE Aggregator at the same time, one item "
        f"each, and one caller's lookup had not started when the test gave up "
        f"({LOOKUP_IDLE:.0f} s after the last new lookup; ping() "
        f"{'answered' if held.loop_free else 'did not answer'} meanwhile)",
        "both callers' lookups in flight together: the actor serves the second combine "
        "while the first one waits",
        likely,
        picture=_picture(report, labels),
    )


async def test_loop_keeps_serving_while_combine_waits(kata, make_probe, actors):
    items = ["held-1", "held-2"]
    probe = make_probe(gate_timeout=GATE_SAFETY)
    holders = _start_warming(probe)
    service = SlowService(probe, delay=0.0, gates=dict.fromkeys(items, HOLD))
    aggregator = actors(watching_loop_calls(kata.Aggregator).remote())
    await _started(aggregator)
    await _warmed(probe, holders)
    what = f"combine(service, {items!r})"
    call = asyncio.ensure_future(aggregator.combine.remote(service, items))
    try:
        try:
            await _until_held(probe, call, set(items), what)
            started = time.monotonic()
            ping = asyncio.ensure_future(aggregator.ping.remote())
            answered, _ = await asyncio.wait({ping}, timeout=PING_PATIENCE)
        finally:
            await probe.open_gate(HOLD)  # ping has answered (or the test failed): let them go
        pong = await finishes_within(ping, 25, f"ping() while {what} waits")
        waited = time.monotonic() - started
        result = await finishes_within(call, 25, what)
    finally:
        _settle([call])
    report = await probe.areport()
    # The blocking call itself, seen in the actor, names the mistake better than its effect.
    _fail_if_blocked_the_loop(await loop_calls(aggregator, made_in="combine"), "combine")
    if not answered:
        fail(
            f"ping() answered only after {waited:.1f} s, once the test had let the held "
            "lookups through and combine had its replies",
            f"ping answers at once while combine is still waiting for its lookups (the test "
            f"held them {PING_PATIENCE:.0f} s for it)",
            [
                "a blocking wait inside the async method: ray.get(refs) holds the actor's "
                "only event-loop thread, so no other call can run until it returns. "
                "Use `await asyncio.gather(*refs)`",
                "the actor created with max_concurrency=1: ping waits for combine's slot",
            ],
            picture=_picture(report, items),
        )
    assert pong == "pong", f"ping() returned {pong!r}"
    _check_combined(result, items, _picture(report, items))


def _fail_if_blocked_the_loop(calls: list, method: str) -> None:
    """However it answered, a ray.get or ray.wait on the actor's loop breaks the rule: every
    other call of the actor waits meanwhile (a short one hides from the timing checks)."""
    if calls:
        first = calls[0]
        fail(
            f"{method}() called {first.call} on the actor's event-loop thread, at "
            f"{first.where()} (`{first.source.partition(': ')[2]}`), and the actor ran "
            "nothing else until it returned",
            f"{method} waits with `await` only: no ray.get or ray.wait on the actor's loop, "
            "not even with a timeout",
            f"{first.call} inside an async method, however short (a timeout, a ref that is "
            "almost ready, a fallback to await after it): await the refs instead, or run the "
            "blocking wait in a thread (asyncio.to_thread)",
        )


async def _until_held(probe, call: asyncio.Future, labels: set, what: str) -> None:
    """Wait until one of combine's lookups is held at the gate: combine is waiting then. If
    the call ends first, its error (NOT DONE YET, ...) or its early result is the real
    story."""

    async def held():
        return call.done() or any(c.label in labels for c in (await probe.areport()).running)

    started = await wait_until(held, within=FIRST_LOOKUP_WITHIN)
    if call.done():
        result = await call  # raises its error, if it failed
        fail(
            f"{what} returned {result!r:.100} while its lookups were still held at a gate",
            "combine returns only once every lookup has answered",
            "returning before awaiting the lookup refs",
            _picture(await probe.areport(), labels),
        )
    if not started:
        fail(
            f"{what}: no lookup had started after {FIRST_LOOKUP_WITHIN:.0f} s",
            "its lookups running, held at a gate by the test",
            "combine never started the lookup tasks (lookup.remote(service, item))",
            _picture(await probe.areport(), labels),
        )


async def _answers_or_loop_free(caller, reply: asyncio.Future) -> bool:
    """False when the self-call has not answered and the actor cannot even run other() for
    the test (its loop is stuck). Otherwise wait for the self-call's answer: a free loop means
    it is slow, not stuck (e.g. it waits for a new actor to start)."""
    done, _ = await asyncio.wait({reply}, timeout=SELF_CALL_WITHIN)
    if done:
        return True
    check = asyncio.ensure_future(caller.other.remote())
    try:
        done, _ = await asyncio.wait({reply, check}, timeout=PING_PATIENCE)
    finally:
        if not check.done():
            check.cancel()
    if not done:
        return False
    await finishes_within(_outcome(reply), 25, "other_via_await()")
    return True


async def test_calling_itself_with_await_does_not_deadlock(kata, actors):
    caller = actors(watching_loop_calls(kata.SelfCaller).remote())
    direct = await finishes_within(caller.other.remote(), 25, "starting SelfCaller (other)")
    name = direct.partition(": other() ran")[0]
    ref = caller.other_via_await.remote()
    own_call = ref.task_id().hex()
    reply = asyncio.ensure_future(ref)
    if not await _answers_or_loop_free(caller, reply):
        reply.cancel()  # stop waiting here; the fixture kills the deadlocked actor
        waited = SELF_CALL_WITHIN + PING_PATIENCE
        fail(
            f"other_via_await() had not answered after {waited:.0f} s, and other() called by "
            "the test could not run either: the actor is deadlocked",
            f"it returns other()'s answer ({name}: other() ran in Ray call ...) within "
            "milliseconds",
            "ray.get(...) on a call to the SAME actor: the actor's only thread waits for "
            "other(), and other() needs that thread to run. `await` the ref instead: the loop "
            "is then free to run other()",
        )
    result = await _outcome(reply)
    if isinstance(result, ray.exceptions.GetTimeoutError):
        fail(
            "other_via_await() raised GetTimeoutError: it waited for other() with ray.get "
            "until the timeout, and other() never ran meanwhile",
            f"it returns other()'s answer ({name}: other() ran in Ray call ...) within "
            "milliseconds",
            "ray.get(..., timeout=...) on a call to the SAME actor: a deadlock until the "
            "timeout, since the actor's only thread waits for other(), which needs that "
            "thread. `await` the ref instead",
        )
    if isinstance(result, Exception):
        raise result  # the dojo reports it with the line of yours that raised it
    if isinstance(result, ray.ObjectRef):
        fail(
            "other_via_await() returned an ObjectRef, not other()'s answer",
            f"{name}: other() ran in Ray call ...",
            "the call was sent but its ref was never awaited",
        )
    ran_as, _, ran_in = str(result).partition(": other() ran in Ray call ")
    if not ran_in:
        fail(
            f"other_via_await() returned {result!r:.100}",
            f"what this actor's other() returns: {name}: other() ran in Ray call ...",
            "call other.remote() on THIS actor's handle "
            "(ray.get_runtime_context().current_actor) and return what it gives",
        )
    if ran_as != name:
        fail(
            f"other_via_await() returned the answer of ANOTHER actor's other(): {ran_as!r}, "
            f"not {name!r}",
            f"{name}: other() ran in Ray call ... (this actor's own other())",
            "calling other on a new actor (SelfCaller.remote()...): the handle of this actor "
            "is ray.get_runtime_context().current_actor",
        )
    if ran_in == own_call:
        fail(
            "other() ran inside other_via_await()'s own Ray call, not as a call of its own "
            f"(both ran as Ray call {own_call[:16]}…)",
            "other() runs as a separate Ray call on this actor, made through its handle",
            "`await self.other()`: that is a plain method call, which never goes through Ray. "
            "Call it through the handle: ray.get_runtime_context().current_actor.other.remote()",
        )

    _fail_if_blocked_the_loop(
        await loop_calls(caller, made_in="other_via_await"), "other_via_await"
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
