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


@dataclasses.dataclass(frozen=True)
class _CountingService(SlowService):
    """A SlowService that records each time it is serialised (once per .remote() call).
    Workers receive a plain SlowService."""

    shipped: list = dataclasses.field(default_factory=list, compare=False, repr=False)

    def __reduce__(self):
        self.shipped.append(time.monotonic())
        plain = tuple(getattr(self, f.name) for f in dataclasses.fields(SlowService))
        return SlowService, plain


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
    call and how many refs it had in flight once its first calls were waiting."""
    run = asyncio.ensure_future(_process(kata, service, items, limit))

    async def submitted_enough():
        return run.done() or len(service.shipped) >= limit

    async def calls_waiting():
        report = await probe.areport()
        return run.done() or len(report.running) >= min(limit, len(service.shipped))

    await wait_until(submitted_enough, within=SUBMIT_WINDOW)
    await wait_until(calls_waiting, within=10)
    return run, len(service.shipped)


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


def _fail_too_many(peak: int, limit: int, how: str, picture: str) -> None:
    fail(
        f"peak {peak} in flight, limit was {limit}: {how}",
        f"never more than {limit} work tasks submitted and not yet finished",
        "did you start everything at once? .remote() starts the Ray task immediately: a "
        "semaphore that only guards the `await ref` limits nothing; call .remote() inside "
        "the semaphore",
        picture,
    )


async def test_never_more_than_limit_in_flight(kata, probe):
    service = _CountingService(probe, delay=DELAY, gates=dict.fromkeys(ITEMS, "go"))
    run, in_flight = await _start_held(kata, service, probe, ITEMS, LIMIT)
    await probe.open_gate("go")
    if in_flight < LIMIT and not run.done():
        await _abandon(run, probe)
        report = await probe.areport()
        fail(
            f"only {in_flight} in flight"
            + (": sequential" if in_flight == 1 else "")
            + f" (after {SUBMIT_WINDOW} s, {in_flight} work task(s) submitted, none finished)",
            f"exactly {LIMIT} work tasks in flight while there is work left",
            "awaiting each item before submitting the next"
            if in_flight == 1
            else f"fewer than limit={LIMIT} slots are being filled",
            report.timeline(),
        )
    results = await run
    report = await probe.areport()
    if in_flight > LIMIT:
        how = (
            f"{in_flight} work tasks were submitted before any had finished (Ray ran as many "
            "of them at once as it had worker processes for)"
        )
        _fail_too_many(in_flight, LIMIT, how, report.timeline())
    if report.peak > LIMIT:
        how = f"{report.peak} work calls were running at the same moment"
        _fail_too_many(report.peak, LIMIT, how, report.timeline())
    _check_results(results, ITEMS, report.timeline())
    calls = len(report.finished(outcome="ok"))
    if calls != len(ITEMS):
        fail(
            f"the service saw {calls} calls for {len(ITEMS)} items",
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
    run, in_flight = await _start_held(kata, service, probe, items, limit)
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
        fail(
            f"peak {max(in_flight, final.peak)} in flight with limit={limit}",
            f"never more than limit={limit} in flight",
            "use the `limit` argument; don't hard-code the number of slots",
            final.timeline(),
        )
    if results is None:
        fail(
            f"while item {HELD} was held, the other items stopped finishing",
            f"the other items flow through the {limit - 1} free slots",
            "start the next item as soon as any finishes (see the test "
            "test_new_work_starts_while_a_slow_call_runs)",
            final.timeline(),
        )
    _check_results(results, items, final.timeline())
