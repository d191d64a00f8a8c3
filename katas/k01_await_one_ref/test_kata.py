"""Kata 01 · Await one ref: the tests your code must pass."""

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
from dojo.harness.teach import fail, finishes_within
from dojo.harness.timing import Stopwatch, warm_workers

pytestmark = pytest.mark.timeout(30)

DELAY = 1.0
# A blocked loop freezes for the whole DELAY; a free one never stalls for more than a blip.
MAX_FREEZE = 0.3


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


async def _greet(kata, name: str, delay: float) -> tuple[object, float]:
    """Await greet(name, delay) (a hang becomes a lesson); return what it gave and how long
    it took."""
    with Stopwatch() as watch:
        result = await finishes_within(kata.greet(name, delay), 20, f"greet({name!r}, {delay})")
    return result, watch.elapsed


def _check_greeting(result, name: str, delay: float) -> None:
    """Fail with a lesson unless greet returned the greeting itself."""
    call, expected = f"greet({name!r}, {delay})", f"Hello, {name}!"
    if isinstance(result, ray.ObjectRef):
        fail(
            f"{call} returned an ObjectRef, not the greeting",
            f"{expected!r}",
            "the task was started but its ref was never awaited: `await` the ref to get the "
            "task's result",
        )
    if result != expected:
        fail(
            f"{call} returned {result!r:.100}",
            f"{expected!r}, the greeting fetch_greeting({name!r}, {delay}) makes",
            "greet does not return the result of fetch_greeting(name, delay)",
        )


async def test_returns_the_remote_greeting(kata):
    result, _ = await _greet(kata, "Ada", 0.1)
    _check_greeting(result, "Ada", 0.1)


async def test_waits_for_the_remote_work(kata):
    result, elapsed = await _greet(kata, "Bo", DELAY)
    _check_greeting(result, "Bo", DELAY)
    if elapsed < 0.9 * DELAY:
        fail(
            f"greet('Bo', {DELAY}) returned the right greeting after {elapsed:.2f} s, before "
            f"fetch_greeting('Bo', {DELAY}) could have finished",
            f"greet returns fetch_greeting's result, so it takes at least {DELAY} s",
            [
                "the greeting was built in greet itself instead of awaiting the result of "
                "fetch_greeting.remote(name, delay)",
                "fetch_greeting was started with a shorter delay than the one greet was given",
            ],
        )


async def test_event_loop_keeps_ticking_while_waiting(kata):
    await warm_workers(1)
    async with Heartbeat() as heartbeat:
        with _LoopWatch(heartbeat) as watch:
            result, _ = await _greet(kata, "Cy", DELAY)
    watch.assert_never_froze(MAX_FREEZE, during=f"greet('Cy', {DELAY}) waited for Ray")
    _check_greeting(result, "Cy", DELAY)
