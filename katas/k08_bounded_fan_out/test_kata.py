"""Kata 08 · Bounded fan-out: the tests your code must pass.

How "in flight" is measured: every call to the service waits at a gate that the test opens,
so at first nothing can finish. The service also counts, in this process, how many times it
was shipped to a task: each `work.remote(service, item)` serialises it once, at submission.
While the gate is shut, that count is exactly the number of refs in flight.
"""

import asyncio
import dataclasses
import time

import pytest

from dojo import NotDoneYet
from dojo.harness.heartbeat import Heartbeat
from dojo.harness.sim import SlowService, answer
from dojo.harness.teach import fail, finishes_within
from dojo.harness.timing import warm_workers
from dojo.harness.waiting import wait_until

pytestmark = pytest.mark.timeout(30)

ITEMS = list(range(100))
LIMIT = 5
DELAY = 0.04
# A correct solution submits its first `limit` tasks at once; give it this long to do so.
SUBMIT_WINDOW = 2.0
# While one call is held, the others must keep finishing: this long without a single one
# starting or finishing means the free slots sit idle.
STALL = 3.0
# Safety net: the probe opens any gate by itself after this long.
GATE_TIMEOUT = 20.0
HELD = 0  # the item whose call the test holds open in the streaming tests
# The refill test lets FREED of the `limit` running calls finish together. Their results reach
# this process while its event loop is held (as they do when a busy program gets to them a
# little late), so the code under test sees them all in one wake-up: it must then start FREED
# new items, within STALL.
FREED = 3
SETTLE = 1.0  # how long the loop is held once the FREED calls have ended, for their results
# In the loop test the first `limit` calls take HEARTBEAT_DELAY: a blocking wait for a free
# slot freezes the loop for about that long. The one item after them is quick.
# (The heartbeat's freeze rule judges it: Heartbeat.assert_loop_stayed_free.)
HEARTBEAT_DELAY = 1.0
# A blocking wait (ray.wait, ray.get) inside process_bounded freezes the event loop, and this
# test, which runs in the same loop, could then not open the gates the frozen code waits for:
# once the loop has not turned for UNFREEZE seconds, a thread opens them all, and the test
# fails with the lesson of the frozen loop instead of hanging until the gates time out.
UNFREEZE = 2.5
BLOCKING_CALLS = [
    "ray.wait(refs, num_returns=1) inside the coroutine: it blocks the whole thread until a "
    "ref is ready (with a timeout too, for up to that long); use asyncio.wait(..., "
    "return_when=FIRST_COMPLETED) on wrapped refs",
    "ray.get(ref) inside the coroutine: `await` the ref instead",
    "time.sleep(...) inside the coroutine: `await asyncio.sleep(...)` instead",
]


@dataclasses.dataclass(frozen=True)
class _CountingService(SlowService):
    """A SlowService that records each time it is serialised (once per .remote() call).
    Workers receive a plain SlowService."""

    shipped: list = dataclasses.field(default_factory=list, compare=False, repr=False)

    def __reduce__(self):
        self.shipped.append(time.monotonic())
        plain = tuple(getattr(self, f.name) for f in dataclasses.fields(SlowService))
        return SlowService, plain


def _fail_frozen(heartbeat: Heartbeat) -> None:
    during = "process_bounded waited (the test, which shares the loop, had to open the gates)"
    heartbeat.fail_if_caught_blocking(UNFREEZE, during)
    fail(
        f"the event loop froze for over {heartbeat.stalled_for:.1f} s while {during}",
        "the loop stays free while process_bounded waits, so other coroutines keep running",
        BLOCKING_CALLS,
    )


async def _process(kata, service, items, limit) -> list:
    call = f"process_bounded(service, {len(items)} items, limit={limit})"
    try:
        result = await finishes_within(kata.process_bounded(service, list(items), limit), 25, call)
    except NotDoneYet:
        raise
    except Exception as error:
        fail(
            f"{call} raised {type(error).__name__}: {error}",
            "a list with one result per item",
            "an error inside process_bounded itself: every work call succeeds in this test",
        )
    if not isinstance(result, list | tuple):
        fail(
            f"{call} returned a {type(result).__name__}",
            "a list with one result per item, in items order",
            "collect the results (gather returns a list) and return them",
        )
    return list(result)


@pytest.fixture
async def probe(make_probe):
    """A probe with its actor up and a worker process ready for each slot. Set up here, right
    before the test, because fixture setup is not timed: a slow machine cannot eat the test's
    own time."""
    probe = make_probe(gate_timeout=GATE_TIMEOUT)
    await probe.areport()
    await warm_workers(LIMIT)
    return probe


async def _start_held(kata, service, probe, items, limit):
    """Start process_bounded while every call waits at a gate. Returns the learner's running
    call, how many refs it had in flight once its first calls were waiting, and the
    heartbeat watching the loop while it runs: once the loop stands still (the learner's
    code blocks it), the test cannot open the gates from the loop, so the heartbeat's thread
    opens them all, and the test fails with the lesson of the frozen loop."""

    def open_every_gate() -> None:
        for gate in sorted(set(service.gates.values())):
            probe.open_gate(gate)

    heartbeat = Heartbeat(on_stall=open_every_gate, stall_after=UNFREEZE)

    async def watched():
        async with heartbeat:
            result = await _process(kata, service, items, limit)
        if heartbeat.stalled_for:
            _fail_frozen(heartbeat)
        return result

    run = asyncio.ensure_future(watched())

    async def submitted_enough():
        return run.done() or len(service.shipped) >= limit

    async def calls_waiting():
        report = await probe.areport()
        return run.done() or len(report.running) >= min(limit, len(service.shipped))

    await wait_until(submitted_enough, within=SUBMIT_WINDOW)
    await wait_until(calls_waiting, within=10)
    if heartbeat.stalled_for:
        await _abandon(run, probe)
        _fail_frozen(heartbeat)
    return run, len(service.shipped), heartbeat


async def _abandon(run: asyncio.Future, probe) -> None:
    """The verdict is in: stop the learner's call early, then let the Ray tasks it already
    started end (cancelling the coroutine does not stop them) before the probe goes away."""
    run.cancel()
    try:
        await run
    except (asyncio.CancelledError, Exception, pytest.fail.Exception):
        pass
    seen = {"calls": -1}

    async def quiet():
        report = await probe.areport()
        settled = not report.running and len(report.calls) == seen["calls"]
        seen["calls"] = len(report.calls)
        return settled

    await wait_until(quiet, within=10, interval=0.3)


def _check_results(results, items, picture=None) -> None:
    expected = [answer(item) for item in items]
    if len(results) != len(expected):
        fail(
            f"got {len(results)} results for {len(items)} items",
            "one result per item",
            "every item must be processed exactly once (check how you refill the free slots, "
            "and that the last, partial round is not dropped)",
            picture,
        )
    if results != expected:
        pairs = zip(results, expected, strict=True)
        wrong = [i for i, (got, want) in enumerate(pairs) if got != want]
        fail(
            f"results differ from items order at positions {wrong[:8]}"
            f"{' ...' if len(wrong) > 8 else ''} (e.g. results[{wrong[0]}] is "
            f"{results[wrong[0]]!r})",
            f"results[i] == {answer('i')!r} for item i: the items order",
            "results appended in the order the calls finished; store each result at its "
            "item's index (gather keeps argument order; a sliding window needs the index)",
            picture,
        )


def _fail_too_many(peaks: dict[int, int], items: int, how: str, picture: str) -> None:
    """Fail for a peak over the limit. `peaks` maps each limit tried to the peak seen with it
    (two limits tell a hard-coded slot count from an off-by-one)."""
    seen = ", ".join(f"{peak} with limit={limit}" for limit, peak in peaks.items())
    if all(peak == limit + 1 for limit, peak in peaks.items()):
        likely = (
            "an off-by-one: one item too many is started before the code waits for a free "
            "slot (`<=` where `<` belongs, a window topped up before it is checked, or "
            "Semaphore(limit + 1))"
        )
    elif len(peaks) > 1 and len(set(peaks.values())) == 1 and max(peaks.values()) < items:
        likely = (
            "the same number in flight whatever the limit: a hard-coded number of slots; "
            "use the `limit` argument"
        )
    elif max(peaks.values()) >= items:
        likely = [
            "did you start everything at once? .remote() starts the Ray task immediately: a "
            "semaphore that only guards the `await ref` limits nothing; call .remote() inside "
            "the semaphore",
            "a slot given back as soon as .remote() has returned: the Ray task runs on after "
            "that; keep the slot until `await ref` has returned (both inside the `async with`)",
            "a semaphore made inside each item's coroutine: each call gets a fresh one and "
            "passes it; make ONE before starting them and share it",
            "no limit at all",
        ]
    else:
        likely = [
            "a hard-coded number of slots instead of the `limit` argument",
            "a limit that does not sit before every .remote() call",
        ]
    fail(
        f"peak in flight over the limit: {seen}; {how}",
        "never more than `limit` work tasks submitted and not yet finished",
        likely,
        picture,
    )


def _fail_too_few(in_flight: int, limit: int, picture: str) -> None:
    fail(
        f"only {in_flight} in flight"
        + (": sequential" if in_flight == 1 else "")
        + f" (after {SUBMIT_WINDOW} s, {in_flight} work task(s) submitted, none finished)",
        f"exactly {limit} work tasks in flight while there is work left",
        "awaiting each item before submitting the next"
        if in_flight == 1
        else f"fewer than limit={limit} slots are being filled",
        picture,
    )


async def _held_start(kata, probe, items, limit, gate: str):
    """Start process_bounded with every call held at `gate`; once its first calls wait there,
    open it. Returns the running call and how many refs it had in flight before that."""
    service = _CountingService(probe, delay=DELAY, gates=dict.fromkeys(items, gate))
    run, in_flight, _ = await _start_held(kata, service, probe, items, limit)
    await probe.open_gate(gate)
    if in_flight < limit and not run.done():
        await _abandon(run, probe)
        _fail_too_few(in_flight, limit, (await probe.areport()).timeline())
    return run, in_flight


async def test_never_more_than_limit_in_flight(kata, probe):
    # A short first run with a smaller limit: a count that stays the same whatever the
    # limit is hard-coded; one over each limit is an off-by-one.
    few, small_limit = ITEMS[:12], 3
    small_run, small_in_flight = await _held_start(kata, probe, few, small_limit, "first")
    small_results = await small_run
    run, in_flight = await _held_start(kata, probe, ITEMS, LIMIT, "second")
    results = await run
    report = await probe.areport()
    peaks = {LIMIT: in_flight, small_limit: small_in_flight}
    if in_flight > LIMIT or small_in_flight > small_limit:
        how = (
            "that many work tasks were submitted before any had finished (Ray ran as many "
            "of them at once as it had worker processes for)"
        )
        _fail_too_many(peaks, len(ITEMS), how, report.timeline())
    if report.peak > LIMIT:
        how = f"{report.peak} work calls were running at the same moment"
        _fail_too_many({LIMIT: report.peak}, len(ITEMS), how, report.timeline())
    _check_results(small_results, few, report.timeline())
    _check_results(results, ITEMS, report.timeline())
    calls = len(report.finished(outcome="ok"))
    if calls != len(few) + len(ITEMS):
        fail(
            f"the service saw {calls} calls for {len(few) + len(ITEMS)} items",
            "one work call per item",
            "call work exactly once per item",
            report.timeline(),
        )


def _watch_others(probe, others: set[str]):
    """A wait_until check: true once every other item has finished ok, or once no call has
    started or finished for STALL seconds (then .stalled is set)."""
    progress = {"events": -1, "since": time.monotonic()}

    async def check():
        report = await probe.areport()
        check.done = len(others & {c.label for c in report.finished(outcome="ok")})
        if check.done == len(others):
            return True
        events = len(report.calls) + len(report.finished())
        if events != progress["events"]:
            progress["events"], progress["since"] = events, time.monotonic()
        elif time.monotonic() - progress["since"] > STALL:
            check.stalled = True
            return True
        return False

    check.done, check.stalled = 0, False
    return check


async def _run_with_one_held(kata, probe, items, limit):
    """Run process_bounded while the call for item HELD is held open until every other item
    has finished. Returns (results or None if the others stalled, refs in flight at the
    start, watcher)."""
    gates = {item: "held" if item == HELD else "go" for item in items}
    service = _CountingService(probe, delay=DELAY, gates=gates)
    run, in_flight, _ = await _start_held(kata, service, probe, items, limit)
    await probe.open_gate("go")
    watcher = _watch_others(probe, {str(item) for item in items if item != HELD})
    watch = asyncio.ensure_future(wait_until(watcher, within=GATE_TIMEOUT, interval=0.05))
    # Stop watching early if the learner's call ends (or crashes) first.
    await asyncio.wait([run, watch], return_when=asyncio.FIRST_COMPLETED)
    watch.cancel()
    await probe.open_gate("held")
    if watcher.stalled:
        await _abandon(run, probe)
        return None, in_flight, watcher
    return await run, in_flight, watcher


async def test_new_work_starts_while_a_slow_call_runs(kata, probe):
    results, _, watcher = await _run_with_one_held(kata, probe, ITEMS, LIMIT)
    final = await probe.areport()
    others = len(ITEMS) - 1
    if results is None or final.gates.get("held") == "timeout":
        if watcher.done == 0:
            likely = (
                "nothing else started while it ran: are you awaiting one item at a time? "
                f"keep {LIMIT} in flight"
            )
        else:
            likely = (
                "fixed batches leave slots idle: a batch waits for its slowest call. Start "
                "the next item as soon as any finishes (a semaphore, or asyncio.wait with "
                "FIRST_COMPLETED)"
            )
        fail(
            f"while one slow call (item {HELD}) was running, no new work started: only "
            f"{watcher.done} of the other {others} items finished, then "
            + (f"nothing for {STALL} s" if watcher.stalled else f"{GATE_TIMEOUT} s passed"),
            f"the other {others} items flow through the {LIMIT - 1} free slots meanwhile",
            likely,
            final.timeline(),
        )
    _check_results(results, ITEMS, final.timeline())


async def test_results_in_items_order(kata, probe):
    items, limit = list(range(12)), 3
    # Item 0 is held until every other item has finished: it finishes last.
    results, in_flight, _ = await _run_with_one_held(kata, probe, items, limit)
    final = await probe.areport()
    if in_flight > limit or final.peak > limit:
        peaks = {limit: max(in_flight, final.peak)}
        how = "work tasks submitted and not yet finished, at the worst moment"
        _fail_too_many(peaks, len(items), how, final.timeline())
    if results is None:
        fail(
            f"while item {HELD} was held, the other items stopped finishing",
            f"the other items flow through the {limit - 1} free slots",
            "start the next item as soon as any finishes (see the test "
            "test_new_work_starts_while_a_slow_call_runs)",
            final.timeline(),
        )
    _check_results(results, items, final.timeline())


def _hold_the_loop_until_ended(probe, labels: set[str], within: float = 10.0) -> None:
    """Block this thread (and so the event loop) until the calls `labels` have ended, then
    SETTLE more seconds, so that their results all wait for the loop's next turn."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if labels <= {c.label for c in probe.report().finished()}:
            break
        time.sleep(0.02)
    time.sleep(SETTLE)


async def test_freed_slots_are_all_refilled(kata, probe):
    items = list(range(20))
    gates = {item: f"item {item}" for item in items}
    service = _CountingService(probe, delay=DELAY, gates=gates)
    run, in_flight, heartbeat = await _start_held(kata, service, probe, items, LIMIT)
    report = await probe.areport()

    async def open_all_gates():
        await asyncio.gather(*(probe.open_gate(gate) for gate in gates.values()))

    if run.done():
        await run  # it ended (or raised) before its calls could finish: that says it all
    if in_flight != LIMIT:
        await open_all_gates()
        await _abandon(run, probe)
        if in_flight > LIMIT:
            how = "that many work tasks were submitted before any had finished"
            _fail_too_many({LIMIT: in_flight}, len(items), how, report.timeline())
        _fail_too_few(in_flight, LIMIT, report.timeline())
    freed = {c.label for c in report.running[:FREED]}
    for label in freed:
        await probe.open_gate(gates[int(label)])
    with heartbeat.paused():
        _hold_the_loop_until_ended(probe, freed)

    async def refilled():
        return run.done() or len(service.shipped) - len((await probe.areport()).finished()) >= LIMIT

    await wait_until(refilled, within=STALL)
    started = len(service.shipped) - in_flight
    await open_all_gates()
    if started < FREED:
        await _abandon(run, probe)
        picture = (await probe.areport()).timeline()
        fail(
            f"{FREED} calls finished together, and only {started} new item(s) started in "
            f"their place: {FREED - started} of the {LIMIT} slots stayed idle while "
            f"{len(items) - in_flight - started} items were waiting",
            f"as many new items started as calls finished: {LIMIT} in flight again",
            "starting one new item per wake-up: when asyncio.wait returns several finished "
            "futures at once, refill a slot for each of them (loop over `done`)"
            if started
            else [
                "fixed batches: a batch waits for its slowest call before the next starts",
                "not refilling the slots as calls finish",
            ],
            picture,
        )
    _check_results(await run, items, (await probe.areport()).timeline())


async def test_the_event_loop_keeps_running_while_it_waits(kata, probe):
    items, limit = list(range(5)), 4
    service = SlowService(probe, delay=HEARTBEAT_DELAY, delays={4: DELAY})
    async with Heartbeat() as heart:
        await _process(kata, service, items, limit)
    during = f"process_bounded waited (the first {limit} calls take {HEARTBEAT_DELAY} s)"
    heart.assert_loop_stayed_free(
        during,
        candidates=BLOCKING_CALLS,
        picture=(await probe.areport()).timeline(),
    )
