"""Kata 02 · Gather many: the tests your code must pass."""

import linecache
import os
import sys
import sysconfig
import threading
import time
import traceback

import pytest
import ray

import dojo
from dojo.harness.heartbeat import Heartbeat
from dojo.harness.sim import SlowService, answer
from dojo.harness.teach import fail, finishes_within
from dojo.harness.timing import warm_workers

pytestmark = pytest.mark.timeout(30)

# A hang becomes a lesson after this long; generous because a loaded machine starts Ray's
# worker processes slowly.
CALL_LIMIT = 25

# Later items get SHORTER delays, so the calls finish in the reverse of the order they
# were started in: only code that keeps the order of `items` lines the results up.
ORDER_ITEMS = ["ant", "bee", "cat", "dog", "eel"]
ORDER_STEP = 0.15

# The barrier: every call waits until all N are in flight. One-at-a-time code cannot fill it,
# so it breaks after BARRIER_IDLE seconds without a new arrival and the report says so.
N = 8
BARRIER_IDLE = 4.0

# A blocked loop freezes for the whole DELAY; a free one never stalls for more than a blip.
DELAY = 0.8
MAX_FREEZE = 0.4


# -- what blocked the loop (kata-local: dojo's Heartbeat says only THAT the loop froze) -------

_NOT_YOURS = (
    *{sysconfig.get_paths()[key] for key in ("stdlib", "purelib", "platlib")},
    os.path.dirname(dojo.__file__),
    __file__,
)
_RAY_WORKER = os.path.join("ray", "_private", "worker.py")
_WHY = {
    "ray.get": "`ray.get` inside a coroutine: it blocks the thread that runs the event loop "
    "until the result exists; `await` the ref instead",
    "ray.wait": "`ray.wait` inside a coroutine: it blocks the thread that runs the event loop "
    "until the refs are ready (a timeout only caps each freeze); wait the asyncio way instead "
    "(`await ref`, `asyncio.gather`, `asyncio.as_completed`)",
    "time.sleep": "`time.sleep` inside a coroutine: it blocks the thread that runs the event "
    "loop; `await asyncio.sleep(...)` pauses only your coroutine",
}


def _culprit(frame) -> tuple[str, str, int, str] | None:
    """(call, file, line, source) of the code the loop's thread is stuck in, if it is yours."""
    call = None
    for f, line in traceback.walk_stack(frame):
        path = f.f_code.co_filename
        if path.endswith(_RAY_WORKER) and f.f_code.co_name in ("get", "wait"):
            call = f"ray.{f.f_code.co_name}"
        elif os.path.isabs(path) and not path.startswith(_NOT_YOURS):
            source = linecache.getline(path, line).strip()
            if call is None and "time.sleep(" in source:
                call = "time.sleep"
            return call or "", path, line, source
    return None


class _LoopWatch:
    """While the heartbeat is late, a thread looks at where the event loop's thread is stuck,
    so that a freeze can name the blocking call and the line that made it."""

    def __init__(self, heartbeat: Heartbeat, on_freeze=None, after: float = 1.0):
        self.heartbeat = heartbeat
        # on_freeze() runs (in the watching thread) once your code has held the loop for
        # `after` s: a test whose own coroutines are frozen can use it to let the work finish.
        self.on_freeze, self.after = on_freeze, after
        self.stalls: dict[float, tuple[float, tuple | None]] = {}  # start: (length, culprit)
        self._stop = threading.Event()

    def __enter__(self) -> "_LoopWatch":
        self._loop_thread = threading.get_ident()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        seen, since = -1, time.monotonic()
        while not self._stop.wait(0.02):
            ticks, now = self.heartbeat.ticks, time.monotonic()
            if ticks != seen:
                seen, since = ticks, now
            elif now - since > 0.1:
                culprit = self.stalls.get(since, (0, None))[1]
                if culprit is None:
                    culprit = _culprit(sys._current_frames().get(self._loop_thread))
                self.stalls[since] = (now - since, culprit)
                if culprit and self.on_freeze and now - since > self.after:
                    self.on_freeze, on_freeze = None, self.on_freeze
                    on_freeze()

    def assert_never_froze(self, limit: float, during: str) -> None:
        """The heartbeat's verdict, naming the call the loop was stuck in when it is known."""
        self.explain_blocking(limit, during)
        freeze = self.heartbeat.longest_freeze
        if freeze > limit:
            fail(
                f"the event loop froze for {freeze:.2f} s while {during} (a heartbeat "
                "coroutine could not run), but the test never caught its thread in your code",
                f"the loop stays free: no gap longer than {limit:.2f} s",
                [
                    "a blocking call inside a coroutine, such as ray.get(...), ray.wait(...) or "
                    "time.sleep(...); use `await ref` / `await asyncio.sleep(...)`",
                    "a machine too busy to run the event loop for a while: run the tests again",
                ],
            )

    def explain_blocking(self, limit: float, during: str) -> None:
        """Fail naming the call and line of your code the loop's thread was stuck in, if the
        longest freeze was longer than `limit` and the thread was seen in your code."""
        culprit = max(self.stalls.values(), key=lambda stall: stall[0], default=(0, None))[1]
        freeze = self.heartbeat.longest_freeze
        if freeze <= limit or not culprit:
            return
        call, path, line, source = culprit
        where = os.path.relpath(path) if path.startswith(os.getcwd()) else path
        fail(
            f"the event loop froze for {freeze:.2f} s while {during}: its thread was stuck in "
            f"{call or 'this line'} at {where}:{line} (`{source}`), so a heartbeat coroutine "
            "could not run",
            f"the loop stays free: no gap longer than {limit:.2f} s",
            _WHY.get(call)
            or [
                f"a blocking call inside a coroutine (`{source}`): it holds the thread that runs "
                "the event loop; await something that waits without blocking instead",
                "a machine too busy to run the event loop for a while: run the tests again",
            ],
        )


# -- the tests -----------------------------------------------------------------------------


def _check_values(result, items) -> list:
    """Fail with a lesson if the result is not a list of plain values, one per item."""
    call = f"lookup_all(service, {items!r})"
    if not isinstance(result, list | tuple):
        fail(
            f"{call} returned {type(result).__name__} {result!r:.80}",
            f"a list of {len(items)} results",
            "returning before awaiting the refs (or returning the gather call un-awaited)",
        )
    if any(isinstance(value, ray.ObjectRef) for value in result):
        fail(
            f"{call} returned ObjectRefs, not results",
            f"the results themselves: {[answer(i) for i in items]!r}",
            "the tasks were started but their refs were never awaited",
        )
    if len(result) != len(items):
        fail(
            f"{call} returned {len(result)} results for {len(items)} items",
            "exactly one result per item",
            [
                "a task started twice for some item, or not at all",
                "results dropped or added after they were awaited",
            ],
        )
    return list(result)


async def test_results_in_the_order_of_items_not_of_completion(kata, make_probe):
    items = ORDER_ITEMS
    probe = make_probe()
    delays = {item: ORDER_STEP * (len(items) - 1 - i) for i, item in enumerate(items)}
    service = SlowService(probe, delays=delays)
    result = await finishes_within(
        kata.lookup_all(service, items), CALL_LIMIT, f"lookup_all(service, {items!r})"
    )
    result = _check_values(result, items)
    expected = [answer(item) for item in items]
    if result == expected:
        return
    report = await probe.areport()
    finished = [c.label for c in sorted(report.finished(), key=lambda c: c.end)]
    if sorted(result, key=repr) != sorted(expected, key=repr):
        fail(
            f"lookup_all returned {result!r}",
            f"{expected!r}",
            "the results do not come from lookup(service, item) for each item",
            picture=report.timeline(),
        )
    as_completed = (
        "collecting results in the order the calls finished (asyncio.as_completed, appending in "
        "a callback) without putting each one back in its item's place; asyncio.gather keeps "
        "the order"
    )
    if result == [answer(label) for label in finished]:
        fail(
            f"the results came back as {result!r}, the order in which the calls finished",
            f"the order of items (the order you started them in): {expected!r}",
            as_completed,
            picture=report.timeline(),
        )
    fail(
        f"the results came back as {result!r}: every one is there, but not in the order of items",
        f"the order of items: {expected!r}",
        [
            as_completed,
            "results sorted, or kept in a set or a dict keyed by something else than the item",
            "each result put in another item's place",
        ],
        picture=report.timeline(),
    )


async def test_all_calls_in_flight_at_once(kata, make_probe):
    items = [f"item {i}" for i in range(N)]
    probe = make_probe(barrier=N, barrier_idle=BARRIER_IDLE)
    service = SlowService(probe, delay=0.05)
    await warm_workers(N)
    async with Heartbeat() as heartbeat:
        with _LoopWatch(heartbeat) as watch:
            result = await finishes_within(
                kata.lookup_all(service, items), CALL_LIMIT, f"lookup_all(service, {N} items)"
            )
    _check_values(result, items)
    report = await probe.areport()
    if report.barrier_broken or report.peak < N:
        # Calls waited at the barrier while the loop was frozen: the blocking call is why.
        watch.explain_blocking(
            MAX_FREEZE, during=f"only {report.peak} of {N} calls were in flight at once"
        )
        if report.peak <= 1:
            likely = (
                "waiting for each call before starting the next (an `await` inside the loop "
                "that starts them): they ran one after another. Start them all first, then "
                "await them together"
            )
        else:
            likely = [
                "starting the calls in batches and awaiting each batch before starting the next",
                "a limit on how many run at once (a semaphore, a pool of workers)",
            ]
        fail(
            f"only {report.peak} of {N} calls were in flight at once "
            f"(the barrier waited {BARRIER_IDLE:.0f} s for the rest, then gave up)",
            f"all {N} calls in flight together",
            likely,
            picture=report.timeline(),
        )


async def test_event_loop_stays_responsive(kata, make_probe):
    items = ["a", "b", "c", "d"]
    probe = make_probe()
    service = SlowService(probe, delay=DELAY)
    await warm_workers(len(items))
    async with Heartbeat() as heartbeat:
        with _LoopWatch(heartbeat) as watch:
            result = await finishes_within(
                kata.lookup_all(service, items), CALL_LIMIT, f"lookup_all(service, {items!r})"
            )
    watch.assert_never_froze(
        MAX_FREEZE, during=f"lookup_all waited for {len(items)} calls of {DELAY} s"
    )
    _check_values(result, items)
