"""Kata 04 · As they complete: the tests your code must pass."""

import asyncio
import inspect
import time

import pytest
import ray

from dojo.harness.handoffs import QUIET, HandoffWatch, watch_handoffs
from dojo.harness.heartbeat import Heartbeat
from dojo.harness.probes import Probe
from dojo.harness.sim import SlowService, answer
from dojo.harness.teach import fail, finishes_within
from dojo.harness.timing import warm_workers

# pytest's own limit, above the warm-up (12 s at most), CALL_LIMIT and the barrier's wait for
# calls Ray is still starting: a busy machine gets the kata's lesson, not a bare timeout. The
# gated run's test has its own, GATED_TIMEOUT.
pytestmark = pytest.mark.timeout(45)

# A hang becomes a lesson after this long; generous because a loaded machine starts Ray's
# worker processes slowly.
CALL_LIMIT = 25

ITEMS = ["ant", "bee", "cat", "dog", "eel"]

# The "handled once" test holds its loop at the first result until every call has finished
# (TOGETHER_WITHIN s at most: workers may still be starting), then DELIVERED_WITHIN s more for
# the answers to reach this process: the code then finds several results ready at once.
TOGETHER_WITHIN = 10.0
DELIVERED_WITHIN = 0.3

# Every call waits at its own gate, and the test opens them one at a time in FORCED_ORDER, each
# only once the previous result has reached handle(). The order matches no fixed order code
# could await the refs in: neither the order they were started in (the first item started is
# the last allowed to finish) nor its reverse. Before the first gate opens, all calls must be in
# flight: a call not started while the ones before it were held (for a second, see
# dojo/harness/handoffs.py; or no arrival for ARRIVAL_IDLE s, longer once every call was handed
# to Ray and some are still starting) was not started at once. A result
# counts as not handled once its call finished GRACE s ago (as the test saw it: the time a
# result takes to reach your code is not charged) and handle() has still not had it. Gates
# open by themselves only after GATE_SAFETY s, a safety net: the test opens every gate itself
# long before, so a right answer never waits on a timeout and a wrong one gets its verdict a
# GRACE or two after the evidence is in.
FORCED_ORDER = ["cat", "eel", "bee", "dog", "ant"]
ARRIVAL_IDLE = 4.0
GRACE = 2.0
GATE_SAFETY = 20.0

# The gated run is tried cold first: without warm_workers, whose start of five worker processes
# is most of a wrong answer's wait (code that starts one call and waits for it needs one
# worker, and the handoff watch catches it a QUIET second after that call arrives), while a
# right answer's own calls start the workers the warm-up would have. A cold run's verdict stands
# when the code passed, or when it failed on evidence a cold start cannot produce: the code was
# seen to stop starting calls, a blocking call on the loop, handle() given the wrong things, a
# ready result left unhandled while every call was in flight and the test alone opened the
# gates. Any other failure (calls not all in flight, a gate that opened by itself, a frozen loop
# that made the heartbeat open every gate) may be Ray still starting workers: the run is then
# done again warm, exactly as before, and that run decides. The cold run's limits include the
# warm-up's own (WARM_UP_LIMIT s, warm_workers' at_most), so Ray's slowness gets as much time.
WARM_UP_LIMIT = 12.0
# pytest's limit for the gated run's test: a cold run that decided nothing, then the warm run.
GATED_TIMEOUT = 90

# What a cold run's verdict is when it cannot tell the code's mistake from a cold start.
_UNDECIDED = ("undecided: run it again warm",)

# A blocked loop freezes for the whole DELAY: caught inside a blocking call (ray.get,
# ray.wait, ...), a freeze past CAUGHT_FREEZE fails; any other past the heartbeat's FREEZE_LIMIT.
DELAY = 0.8
CAUGHT_FREEZE = 0.4

_ITEM_OF = {answer(item): item for item in ITEMS}


# -- the tests -----------------------------------------------------------------------------


def _gate(item: str) -> str:
    return f"gate {item}"


def _close_coroutines(handled: list) -> list:
    """Close the coroutines handle() was given instead of results (never awaited, they would
    warn later, in someone else's test); return the list for the checks."""
    for result in handled:
        if inspect.iscoroutine(result):
            result.close()
    return handled


def _check_handled(handled: list, items: list, call: str) -> None:
    """Fail with a lesson unless handle() got every result exactly once, as plain values."""
    expected = sorted(answer(item) for item in items)
    if any(isinstance(result, ray.ObjectRef) for result in handled):
        fail(
            "handle() was called with ObjectRefs, not results",
            f"handle(result) with the results themselves, e.g. {answer(items[0])!r}",
            "passing the ref to handle instead of awaiting it first",
        )
    awaitables = [r for r in handled if inspect.isawaitable(r)]
    if awaitables:
        fail(
            f"handle() was called with {type(awaitables[0]).__name__} objects, not results",
            f"handle(result) with the results themselves, e.g. {answer(items[0])!r}",
            "passing what asyncio.as_completed (or asyncio.wait) hands you to handle without "
            "awaiting it (or reading its .result()) first",
        )
    if sorted(handled, key=repr) != sorted(expected, key=repr):
        missing = [r for r in expected if r not in handled]
        if missing and len(handled) < len(items):
            not_awaited = (
                "a task started per result (asyncio.create_task, ensure_future) and never "
                "awaited: the function returns before they run; await them all (gather, a "
                "TaskGroup)"
            )
            # A wait round hands back at least one finished call: with none handled, the
            # results were never waited for at all.
            rounds = [
                "handling only what finished first (e.g. a single asyncio.wait round "
                "instead of a loop until nothing is pending)",
                "handling one result of each round: asyncio.wait's `done` can hold several "
                "finished calls (the test let several finish together), and each one needs "
                "handling",
            ]
            fail(
                f"{call} returned after handling {len(handled)} of {len(items)} results "
                f"(not handled: {missing!r})",
                "it returns only once every result has been handled",
                [
                    "returning before the loop over the results was finished",
                    not_awaited,
                    *(rounds if handled else []),
                ],
            )
        fail(
            f"handle() got {handled!r}",
            f"each of {expected!r} exactly once",
            [
                "a result handled twice",
                "handing handle() something else than the results of lookup(service, item)",
            ],
        )


async def test_every_result_is_handled_once_before_returning(kata, make_probe):
    probe = make_probe()
    service = SlowService(probe, delay=0.05)
    handled = []

    def handle(result) -> None:
        handled.append(result)
        if len(handled) == 1:
            # Hold the loop (here, in the test's own handle) until every other call has
            # finished and its answer has had time to reach this process: when the code looks
            # again, several results are ready at once, and each one must be handled.
            _wait_for_all_finished(probe, TOGETHER_WITHIN)
            time.sleep(DELIVERED_WITHIN)

    call = f"handle_as_completed(service, {ITEMS!r}, handle)"
    returned = await finishes_within(
        kata.handle_as_completed(service, ITEMS, handle), CALL_LIMIT, call
    )
    _check_handled(_close_coroutines(list(handled)), ITEMS, call)
    if returned is not None:
        fail(
            f"{call} returned {returned!r:.100}",
            "None: the results go to handle(), not back to the caller",
            "returning the results (or refs) as well as handing them to handle()",
        )


def _wait_for_all_finished(probe: Probe, within: float) -> None:
    """Blocking (the test holds its loop on purpose): until every item's call has finished,
    as the probe saw it, or `within` s passed."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        finished = {c.label for c in probe.report().finished()}
        if set(ITEMS) <= finished:
            return
        time.sleep(0.02)


class _GatedRun:
    """The test's side of a gated run: it opens the gates and watches what reaches handle()."""

    # What fits a ready result that waited behind others, when the waits tell no more.
    _fixed_order = (
        "awaiting the results in a fixed order (the order of items, its reverse, or another) "
        "instead of the order they complete",
        "waiting for several results before handling the first of them",
    )

    def __init__(self, probe: Probe, cold: bool):
        self.probe = probe
        self.cold = cold  # no warm-up before it: see WARM_UP_LIMIT
        self.service = SlowService(probe, delay=0.0, gates={item: _gate(item) for item in ITEMS})
        self.handled: list = []
        self._news = asyncio.Event()
        self.task: asyncio.Future | None = None
        self.handoffs = HandoffWatch(want=len(ITEMS))  # the test's watch_handoffs replaces it

    def start(self, kata) -> None:
        self.task = asyncio.ensure_future(
            kata.handle_as_completed(self.service, ITEMS, self.handle)
        )

    def handle(self, result) -> None:
        self.handled.append(result)
        self._news.set()

    def open_all(self) -> None:
        """Let every call finish (fire-and-forget: also safe from another thread)."""
        for item in ITEMS:
            self.probe.open_gate(_gate(item))

    async def arrivals(self) -> list[str]:
        """The items whose calls are in flight, once all are or none came for a while
        (ARRIVAL_IDLE s, or the handoff watch's patience once every call was handed over)."""
        arrived, last = set(), time.monotonic()
        while not self.task.done() and len(arrived) < len(ITEMS):
            patience = self.handoffs.arrival_patience(ARRIVAL_IDLE)
            if time.monotonic() - last > patience or self.handoffs.stalled:
                break
            await asyncio.sleep(0.02)
            now = {c.label for c in (await self.probe.areport()).calls} & set(ITEMS)
            if now != arrived:
                arrived, last = now, time.monotonic()
        return [item for item in ITEMS if item in arrived]

    async def release(self, *items: str) -> bool:
        """Open these items' gates; True as soon as handle() gets something new, False once
        their calls have all finished GRACE s ago and it has not (or the code returned)."""
        count = len(self.handled)
        for item in items:
            await self.probe.open_gate(_gate(item))
        finished_at = None
        while len(self.handled) == count and not self.task.done():
            self._news.clear()
            try:
                async with asyncio.timeout(0.05):
                    await self._news.wait()
            except TimeoutError:
                pass
            if finished_at is None:
                report = await self.probe.areport()
                if all(report.finished(label=item) for item in items):
                    finished_at = time.monotonic()
            elif time.monotonic() - finished_at > GRACE:
                break
        return len(self.handled) > count

    async def verdict(self) -> tuple | None:
        """Run the chain; None when every result reached handle() as soon as it was ready
        (or the code returned: the checks after the run judge that), else a lesson
        (_UNDECIDED: a cold run that may have waited on Ray's worker start-up)."""
        started = await self.arrivals()
        if self.task.done():
            return None
        if len(started) < len(ITEMS) and self.cold and not self.handoffs.stalled:
            # Calls missing, and the code was not seen to stop starting them (it handed them
            # all over, or ones the watch cannot count): Ray may still be starting workers.
            return _UNDECIDED
        if len(started) < len(ITEMS) and self.handoffs.all_handed_over:
            # Every call was handed to Ray: the code did its part, and the wait is Ray's.
            return (
                f"your code started all {len(ITEMS)} calls, but only {len(started)} of them "
                f"({started!r}) were running {self.handoffs.arrival_patience(ARRIVAL_IDLE):g} "
                "s after the last new one",
                f"all {len(ITEMS)} lookups running at once (the test lets a call finish only "
                "once all of them are in flight)",
                [
                    "a machine too busy for Ray to start the calls' worker processes in time",
                    "something else holding the cluster's workers (tasks or actors left "
                    "running by earlier code)",
                ],
            )
        if len(started) < len(ITEMS):
            return (
                f"only {len(started)} of {len(ITEMS)} calls were started ({started!r}); no "
                f"other call started for {QUIET if self.handoffs.stalled else ARRIVAL_IDLE:g} s "
                "while the test held them",
                f"all {len(ITEMS)} lookups started at once, before any result is awaited (the "
                "test lets a call finish only once all of them are in flight)",
                "waiting for each call before starting the next (an `await` inside the loop "
                "that starts them): start every lookup first, then handle the results as "
                "they complete",
            )
        first, *rest = FORCED_ORDER
        if not await self.release(first):
            return None if self.task.done() else await self._diagnose_stall(first)
        for item in rest:
            if not await self.release(item):
                return None if self.task.done() else self._stalled(item)
        return None

    async def _diagnose_stall(self, ready: str) -> tuple:
        """The first result to finish was not handled. Let every call but the second one
        started finish too: code that awaits the refs in the order it started them handles
        the first one started at once and stalls on the second; code that waits for all of
        them handles nothing until the last one is let through."""
        held = ITEMS[1]
        others = [item for item in ITEMS if item not in (ready, held)]
        if await self.release(*others):
            if self.handled[0] == answer(ITEMS[0]):
                return (
                    f"the call for {ready!r} finished first, but handle() got nothing for "
                    f"{GRACE:.0f} s; once the call for {ITEMS[0]!r}, the first one you "
                    f"started, had finished too, handle() got {ITEMS[0]!r} first and then "
                    f"nothing more while the call for {held!r} was still running, although "
                    f"{[i for i in FORCED_ORDER if i not in (ITEMS[0], held)]!r} were ready",
                    "each result handled as soon as it is ready, in the order the calls "
                    "finish, not in the order you started them",
                    "awaiting the refs one by one in the order you started them (`for ref in "
                    "refs: handle(await ref)`): a ready result waits behind every call started "
                    "before it; handle them in the order they complete (asyncio.as_completed, "
                    "or asyncio.wait with FIRST_COMPLETED)",
                )
            got = [_ITEM_OF.get(r, r) if isinstance(r, str) else r for r in self.handled]
            return (
                f"the call for {ready!r} finished first, but handle() got nothing for "
                f"{GRACE:.0f} s; once the calls for {others!r} had finished too, handle() got "
                f"{got!r}, in that order, and nothing more while the call for {held!r} was "
                "still running",
                f"each result handled as soon as it is ready: {ready!r} at once, then each "
                "other one as its call finishes",
                self._fixed_order,
            )
        return (
            f"{len(ITEMS) - 1} of {len(ITEMS)} calls had finished, but handle() had got none "
            f"of their results {GRACE:.0f} s later, while the call for {held!r} was still "
            "running: nothing is handled until every call has finished",
            "each result handled as soon as it is ready, so fast results are handled before "
            "the slowest call finishes",
            "collecting every result before handling any (asyncio.gather, or asyncio.wait "
            "with its default ALL_COMPLETED, then a loop over the results): handle each "
            "result as it completes (asyncio.as_completed, or asyncio.wait with "
            "FIRST_COMPLETED)",
        )

    def _stalled(self, item: str) -> tuple:
        handled = [_ITEM_OF.get(r, r) if isinstance(r, str) else r for r in self.handled]
        return (
            f"the call for {item!r} finished, but handle() had not got its result {GRACE:.0f} "
            f"s later (handled so far: {handled!r})",
            f"each result handled as soon as it is ready (the test lets the calls finish one "
            f"at a time, in the order {FORCED_ORDER!r}, each once the previous result has "
            "been handled)",
            self._fixed_order,
        )


@pytest.mark.timeout(GATED_TIMEOUT)
async def test_each_result_is_handled_as_soon_as_it_is_ready(kata, make_probe):
    if await _gated_run(kata, make_probe, cold=True):
        return
    # No call of the gated chain waits for a process to start (see WARM_UP_LIMIT).
    await warm_workers(len(ITEMS), at_most=WARM_UP_LIMIT)
    await _gated_run(kata, make_probe, cold=False)


async def _gated_run(kata, make_probe, cold: bool) -> bool:
    """One gated run and its verdict: fails the test with the lesson, or returns True when
    the code passed, or False when a cold run failed in a way a cold start could explain
    (see WARM_UP_LIMIT)."""
    run = _GatedRun(make_probe(gate_timeout=GATE_SAFETY), cold)
    call = f"handle_as_completed(service, {ITEMS!r}, handle)"
    limit = CALL_LIMIT + (WARM_UP_LIMIT if cold else 0)
    async with (
        Heartbeat(on_stall=run.open_all) as heartbeat,
        watch_handoffs(kata, "lookup", run.probe, len(ITEMS), break_barrier=False) as handoffs,
    ):
        # A loop frozen by your code freezes the test's side too: then the heartbeat lets the
        # calls finish, and the lesson is the blocking call.
        run.handoffs = handoffs
        run.start(kata)
        try:
            lesson = await finishes_within(run.verdict(), limit, call)
        finally:
            run.open_all()
        await finishes_within(run.task, limit, call)
    handled = _close_coroutines(list(run.handled))
    order = [_ITEM_OF.get(r) if isinstance(r, str) else r for r in handled]
    failed = lesson is not None or order != FORCED_ORDER
    if failed:
        heartbeat.fail_if_caught_blocking(CAUGHT_FREEZE, during=f"{call} ran", known_call_only=True)
    _check_handled(handled, ITEMS, call)
    report = await run.probe.areport()
    if (
        cold
        and failed
        and (
            lesson is _UNDECIDED
            or "timeout" in report.gates.values()  # a gate opened by itself
            or heartbeat.stalled_for > 0  # the heartbeat opened every gate
        )
    ):
        return False
    picture = report.timeline()
    if lesson is not None:
        fail(*lesson, picture=picture)
    if order != FORCED_ORDER:
        fail(
            f"results were handled in the order {order!r}",
            f"the order in which they finished: {FORCED_ORDER!r}",
            [
                "handling results in a fixed order (e.g. the order of items) rather than the "
                "order they complete",
                "a call held up for longer than the test could wait for it (its gate opened by "
                f"itself after {GATE_SAFETY:.0f} s)",
            ],
            picture=picture,
        )
    return True


async def test_event_loop_stays_responsive(kata, make_probe):
    items = ITEMS[:3]
    probe = make_probe()
    service = SlowService(probe, delay=DELAY)
    await warm_workers(len(items))
    call = f"handle_as_completed(service, {items!r}, handle)"
    handled = []
    async with Heartbeat() as heartbeat:
        await finishes_within(
            kata.handle_as_completed(service, items, handled.append), CALL_LIMIT, call
        )
    _close_coroutines(handled)
    heartbeat.assert_loop_stayed_free(
        f"handle_as_completed waited for {len(items)} calls of {DELAY} s",
        caught_limit=CAUGHT_FREEZE,
    )
    _check_handled(handled, items, call)
