"""Loop-responsiveness probe: a coroutine that must keep ticking while the code under test
waits. A blocking call (ray.get, ray.wait, time.sleep) inside a coroutine freezes the loop;
the heartbeat sees the gap between ticks, and a watching thread looks at where the loop's
thread is stuck so that the lesson can name the call and the line that blocked it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import linecache
import os
import sys
import sysconfig
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from dojo.harness.teach import fail

# Frames in these places are not the learner's: the standard library, installed packages and
# their scripts (the `pytest` that started the run), the dojo itself. (Test files are
# recognised by their name.)
_NOT_YOURS = (
    *{sysconfig.get_paths()[key] for key in ("stdlib", "purelib", "platlib", "scripts")},
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
)
_RAY_WORKER = os.path.join("ray", "_private", "worker.py")
# Ray hands work over synchronously: creating an actor (a ray.util.queue.Queue is one) exports
# its class and registers it with the cluster before `.remote()` returns, and submitting a
# task or an actor call serializes it there. Nothing else can do it, and no correct answer
# avoids it, so the time the loop's thread spends in these calls is the machine's load (1.7 s
# seen with every core busy), not a mistake. They are timed exactly while a heartbeat runs
# (a watching thread's look can miss one: a freeze of 0.64 s spent in an export was blamed
# so): (module, class, method).
_RAY_HANDING_OVER = (
    ("ray.actor", "ActorClass", "_remote"),
    ("ray.actor", "ActorMethod", "_remote"),
    ("ray.remote_function", "RemoteFunction", "_remote"),
    ("ray.util.queue", "Queue", "__init__"),
)
_RAY_HANDING_OVER_FRAMES = {
    (os.path.join(*module.split(".")) + ".py", function)
    for module, _, function in _RAY_HANDING_OVER
}
# Standard-library waits that block the calling thread: (file ending, function) -> the call.
_BLOCKING_WAITS = {
    (os.path.join("concurrent", "futures", "_base.py"), "result"): "Future.result()",
    ("threading.py", "wait"): "a threading wait",
    ("queue.py", "get"): "queue.Queue.get",
    ("subprocess.py", "communicate"): "subprocess",
    ("subprocess.py", "wait"): "subprocess",
}
# A gap this long counts as a stall the watching thread looks into.
_STALL = 0.1
# The freeze rule's two limits (see Heartbeat.assert_loop_stayed_free): a freeze inside a
# known blocking call fails past CAUGHT_LIMIT; any freeze fails past FREEZE_LIMIT.
CAUGHT_LIMIT = 0.3
FREEZE_LIMIT = 1.0
# A gap between ticks longer than this is the loop held (stalled_between): a tick comes a few
# ms late on an idle loop.
TICK_SLACK = 0.05
# A stall this long releases the test (on_stall) even when it was not caught in the
# learner's code: nothing the test runs on that loop can move until it ends.
_HARD_STALL = 2.5

# The calls the rule names ("no ray.get, ray.wait (even with a timeout) or time.sleep inside
# it"), watched while a heartbeat runs: (module, attribute) -> the call's name. Made by the
# learner's own line on the loop's thread they break the rule however short they are: polling
# ray.wait(timeout=0) between asyncio.sleep calls freezes the loop only for moments, under
# every freeze limit (an answer written from a README passed so).
_RULED_CALLS = {
    ("ray", "get"): "ray.get",
    ("ray", "wait"): "ray.wait",
    ("time", "sleep"): "time.sleep",
}

LESSONS = {
    "ray.get": "`ray.get` inside a coroutine: it blocks the thread that runs the event loop "
    "until the result exists; `await` the ref instead",
    "ray.wait": "`ray.wait` inside a coroutine: it blocks the thread that runs the event loop "
    "until the refs are ready (a timeout only caps each freeze); wait the asyncio way instead "
    "(`await ref`, `asyncio.gather`, `asyncio.wait` on wrapped refs, `asyncio.as_completed`)",
    "time.sleep": "`time.sleep` inside a coroutine: it blocks the thread that runs the event "
    "loop; `await asyncio.sleep(...)` pauses only your coroutine",
    "Future.result()": "`.result()` of a concurrent future inside a coroutine: it blocks the "
    "thread that runs the event loop until the work is done; await it instead (`await "
    "asyncio.wrap_future(future)`, or await the coroutine or Task itself)",
    "a threading wait": "a threading wait (Event.wait, a Condition, a join) inside a "
    "coroutine: it blocks the thread that runs the event loop; use the asyncio kind "
    "(asyncio.Event, asyncio.Lock) and await it",
    "queue.Queue.get": "a blocking `queue.Queue.get` inside a coroutine: it holds the thread "
    "that runs the event loop; use an asyncio.Queue and await its get()",
    "subprocess": "waiting for a subprocess inside a coroutine blocks the event loop's "
    "thread; use asyncio.create_subprocess_exec and await it",
}


@dataclass(frozen=True)
class Culprit:
    """Where the loop's thread was stuck: the blocking call if it is a known one, and the
    learner's line that made it."""

    call: str  # "ray.get", "ray.wait", "time.sleep", or "" when not a known call
    path: str
    line: int
    source: str
    # Stuck inside Ray handing work over (creating an actor, submitting a task), not in a
    # wait: see _RAY_HANDING_OVER.
    handing_over: bool = False

    def where(self) -> str:
        here = os.getcwd() + os.sep
        return f"{self.path.removeprefix(here)}:{self.line}"


def is_learners_code(path: str) -> bool:
    """Is the file at `path` the code under test (not Python's, Ray's, the dojo's or a test's)?"""
    name = os.path.basename(path)
    return (
        os.path.isabs(path)
        and not path.startswith(_NOT_YOURS)
        and not (name.startswith("test_") or name == "conftest.py")
    )


def culprit_of(frame) -> Culprit | None:
    """The learner's code a thread is stuck in, from its innermost frame outwards, and the
    blocking call it made when that is a known one."""
    call, handing_over = "", False
    for f, line in traceback.walk_stack(frame):
        path, function = f.f_code.co_filename, f.f_code.co_name
        if path.endswith(_RAY_WORKER) and function in ("get", "wait"):
            call = f"ray.{function}"
        elif is_learners_code(path):
            source = linecache.getline(path, line).strip()
            if not call and "time.sleep(" in source:
                call = "time.sleep"
            return Culprit(call, path, line, source, handing_over=handing_over and not call)
        elif any(path.endswith(end) and function == fn for end, fn in _RAY_HANDING_OVER_FRAMES):
            handing_over = True
        elif path.endswith("threading.py") and function == "start":
            # Thread.start() waits until the new thread runs: an executor growing (the first
            # asyncio.to_thread calls), not a wait of the learner's; on a busy machine it
            # can last half a second (a right answer failed so in CI).
            call = ""
        elif not call.startswith("ray."):
            # The outermost standard-library wait names it best (Future.result() waits on a
            # threading Condition inside): a later match, further out, replaces an earlier one.
            call = next(
                (name for (end, fn), name in _BLOCKING_WAITS.items()
                 if path.endswith(end) and function == fn),
                call,
            )  # fmt: skip
    return None


class _LoopThreadWatch:
    """While at least one heartbeat runs, wraps ray.get, ray.wait and time.sleep (each call the
    loop's thread makes straight from the learner's code is told to its heartbeats) and Ray's
    handing-over calls (each one the loop's thread makes is timed for its heartbeats). One
    set of wrappers for all heartbeats (they may overlap); put back when the last one ends,
    unless something wrapped it in turn meanwhile (a test's monkeypatch then puts back ours,
    which does nothing with no heartbeat running)."""

    def __init__(self):
        self.running: list[Heartbeat] = []
        self._real: dict[tuple[object, str], Callable] = {}
        self._ours: dict[tuple[object, str], Callable] = {}
        # Threads inside a handing-over call now: only the outermost is timed.
        self._handing_over: set[int] = set()

    def start(self, heartbeat: Heartbeat) -> None:
        self.running.append(heartbeat)
        if len(self.running) > 1:
            return
        for (module_name, attribute), call in _RULED_CALLS.items():
            module = sys.modules.get(module_name)
            if module is not None:
                self._replace(module, attribute, lambda real, call=call: self._ruled(real, call))
        for module_name, class_name, method in _RAY_HANDING_OVER:
            owner = getattr(sys.modules.get(module_name), class_name, None)
            # Only Ray's own class: a test may have put something else under its name (kata
            # 16's records every Queue made, through a plain function).
            if isinstance(owner, type) and method in vars(owner):
                self._replace(owner, method, self._timed)

    def stop(self, heartbeat: Heartbeat) -> None:
        with contextlib.suppress(ValueError):
            self.running.remove(heartbeat)
        if self.running:
            return
        for (owner, attribute), real in self._real.items():
            if getattr(owner, attribute) is self._ours[owner, attribute]:
                setattr(owner, attribute, real)
        self._real.clear()
        self._ours.clear()

    def _replace(self, owner: object, attribute: str, wrap: Callable[[Callable], Callable]):
        # vars(), not getattr: a class's method must be put back as the plain function it was.
        real = vars(owner)[attribute]
        self._real[owner, attribute] = real
        self._ours[owner, attribute] = wrap(real)
        setattr(owner, attribute, self._ours[owner, attribute])

    def _watching(self) -> list[Heartbeat]:
        thread = threading.get_ident()
        return [h for h in self.running if h._loop_thread == thread]

    def _ruled(self, real: Callable, call: str) -> Callable:
        def watched(*args, **kwargs):
            watching = self._watching()
            if watching:
                caller = sys._getframe(1)
                path = caller.f_code.co_filename
                if is_learners_code(path):
                    line = caller.f_lineno
                    made = Culprit(call, path, line, linecache.getline(path, line).strip())
                    for heartbeat in watching:
                        heartbeat.ruled_calls.append(made)
            return real(*args, **kwargs)

        return watched

    def _timed(self, real: Callable) -> Callable:
        @functools.wraps(real)
        def handing_over(*args, **kwargs):
            watching, thread = self._watching(), threading.get_ident()
            if not watching or thread in self._handing_over:
                return real(*args, **kwargs)
            self._handing_over.add(thread)
            start = time.monotonic()
            try:
                return real(*args, **kwargs)
            finally:
                self._handing_over.discard(thread)
                for heartbeat in watching:
                    heartbeat._handed_over.append((start, time.monotonic()))

        return handing_over


_loop_thread_watch = _LoopThreadWatch()


class Heartbeat:
    """Ticks every `interval` seconds on the event loop while the code under test runs.

    Args:
        interval: seconds between two ticks of the heartbeat coroutine.
        on_stall: called (from a watching thread) once, when the loop has stood still for
            `stall_after` seconds in the learner's code (or for 2.5 s, wherever): a test
            whose own coroutines are frozen by the learner's blocking call can use it to
            release what that call waits for (open its gates).
        stall_after: see on_stall.

    Examples:
        >>> async def check(kata):
        ...     async with Heartbeat() as heartbeat:
        ...         await kata.greet("Cy", 1.0)
        ...     heartbeat.assert_loop_stayed_free(during="greet waited for Ray")
    """

    def __init__(
        self,
        interval: float = 0.01,
        on_stall: Callable[[], None] | None = None,
        stall_after: float = 1.0,
    ):
        self.interval = interval
        self.on_stall, self.stall_after = on_stall, stall_after
        self._ticks: list[float] = []
        self._task: asyncio.Task | None = None
        self._culprits: dict[float, tuple[float, Culprit | None]] = {}  # since: (gap, culprit)
        # (start, end) of each call of Ray's handing work over made on the loop's thread
        # while this heartbeat ran: load, not the learner's (see _RAY_HANDING_OVER).
        self._handed_over: list[tuple[float, float]] = []
        self._paused = False
        self.stalled_for = 0.0  # how long the loop had stood still when on_stall fired
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        # ray.get, ray.wait and time.sleep calls the learner's code made on the loop's thread
        # while this heartbeat ran (see _RULED_CALLS).
        self.ruled_calls: list[Culprit] = []

    async def __aenter__(self) -> Heartbeat:
        self._ticks = [time.monotonic()]
        self._task = asyncio.create_task(self._beat())
        self._loop_thread = threading.get_ident()
        _loop_thread_watch.start(self)
        self._watcher = threading.Thread(target=self._watch, daemon=True, name="heartbeat")
        self._watcher.start()
        await asyncio.sleep(0)  # let the first beat get scheduled
        return self

    async def __aexit__(self, *exc) -> None:
        # A loop blocked right up to the end still counts: close the last gap now.
        self._ticks.append(time.monotonic())
        _loop_thread_watch.stop(self)
        self._stop.set()
        assert self._task is not None and self._watcher is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._watcher.join()

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            self._ticks.append(time.monotonic())

    def _watch(self) -> None:
        seen, since = -1, time.monotonic()
        while not self._stop.wait(0.02):
            ticks, now = len(self._ticks), time.monotonic()
            if self._paused:
                seen, since = ticks, now
                continue
            if ticks != seen:
                # Timed from the tick itself, so a stall's key is the start of its gap.
                seen, since = ticks, self._ticks[ticks - 1]
                continue
            if now - since <= _STALL:
                continue
            culprit = self._culprits.get(since, (0.0, None))[1]
            if culprit is None or not culprit.call:
                # Keep looking until a known blocking call is seen: a stall first caught on
                # the line before a ray.get (a slow .remote() on a busy machine) would
                # otherwise blame that line for the whole stall.
                looked = culprit_of(sys._current_frames().get(self._loop_thread))
                if looked is not None and (
                    culprit is None
                    or looked.call
                    or (culprit.handing_over and not looked.handing_over)
                ):
                    culprit = looked
            self._culprits[since] = (now - since, culprit)
            stuck = now - since
            learners = culprit is not None and not culprit.handing_over
            if self.on_stall and (
                (learners and stuck > self.stall_after)
                or stuck > max(_HARD_STALL, self.stall_after)
            ):
                self.on_stall, on_stall = None, self.on_stall
                self.stalled_for = stuck
                on_stall()

    @contextlib.contextmanager
    def paused(self):
        """The test holds the loop on purpose in this block: that is no stall to explain."""
        self._paused = True
        try:
            yield
        finally:
            self._paused = False

    @property
    def ticks(self) -> int:
        return len(self._ticks) - 1

    @property
    def tick_times(self) -> list[float]:
        """When each tick happened (time.monotonic), the entry first."""
        return list(self._ticks)

    def _freeze(self, start: float, end: float) -> float:
        """The gap between two ticks, less the time the loop's thread spent in it handing
        work over to Ray (creating an actor, submitting a task)."""
        handing_over = sum(
            max(0.0, min(end, until) - max(start, since)) for since, until in self._handed_over
        )
        return end - start - handing_over

    @property
    def longest_freeze(self) -> float:
        """The longest gap between two ticks, not counting time spent in Ray handing work
        over (see _freeze)."""
        return max((self._freeze(a, b) for a, b in itertools.pairwise(self._ticks)), default=0.0)

    def stalled_between(self, start: float, end: float, allowance: float = TICK_SLACK) -> float:
        """Seconds the loop could not run between `start` and `end`: the sum of each gap's
        excess over `allowance` (a timer cannot fire while the loop is held). Before the
        heartbeat's first tick it saw nothing: that time counts as no stall."""
        start = max(start, self._ticks[0]) if self._ticks else start
        if end <= start:
            return 0.0
        ticks = [start, *(t for t in self._ticks if start < t < end), end]
        return sum(max(0.0, b - a - allowance) for a, b in itertools.pairwise(ticks))

    def culprit(self) -> Culprit | None:
        """The learner's line the loop's thread was stuck in during its longest stall, if it
        was caught there."""
        after = dict(itertools.pairwise(self._ticks))
        caught = [
            (self._freeze(since, after.get(since, gap + since)), culprit)
            for since, (gap, culprit) in self._culprits.items()
            if culprit is not None and not culprit.handing_over
        ]
        return max(caught, key=lambda entry: entry[0])[1] if caught else None

    def fail_if_caught_blocking(
        self,
        limit: float,
        during: str,
        known_call_only: bool = False,
        lessons: dict[str, str] | None = None,
    ) -> None:
        """Fail naming the learner's blocking call, if the loop froze for longer than `limit`
        and its thread was caught in the learner's code; otherwise return (a test may then
        go on to other diagnoses).

        known_call_only: only when it was caught inside a known blocking call (ray.get,
        time.sleep, ...). Correct code never makes one on the loop, so even a short freeze
        there is conclusive, where a busy machine may stall a correct coroutine for as long:
        a test can then keep its waits short and its limit for other freezes generous.

        lessons: the kata's own lesson for a known call, where it knows how that call comes
        about (a plain `for` over a Ray stream waits in ray.wait), over the general LESSONS."""
        freeze, culprit = self.longest_freeze, self.culprit()
        if known_call_only and culprit is not None and not culprit.call:
            return
        if freeze > limit and culprit is not None:
            fail(
                f"the event loop froze for {freeze:.2f} s while {during}: its thread was stuck "
                f"in {culprit.call or 'this line'} at {culprit.where()} (`{culprit.source}`), "
                "so a heartbeat coroutine could not run",
                f"the loop stays free: no gap longer than {limit:.2f} s",
                {**LESSONS, **(lessons or {})}.get(culprit.call)
                or [
                    f"a blocking call inside a coroutine (`{culprit.source}`): it holds the "
                    "thread that runs the event loop; await something that waits without "
                    "blocking instead",
                    "a machine too busy to run the event loop for a while: run the tests again",
                ],
            )

    def fail_if_ruled_calls_made(self, during: str, lessons: dict[str, str] | None = None) -> None:
        """Fail naming the first ray.get, ray.wait or time.sleep the learner's code made on the
        loop's thread, however short: no freeze long enough for the other checks, and still
        the rule broken (a poll with ray.wait(timeout=0), a ray.get of a ref already done)."""
        if not self.ruled_calls:
            return
        first = self.ruled_calls[0]
        count = len(self.ruled_calls)
        fail(
            f"while {during}, your code called {first.call} {count} time(s) on the event "
            f"loop's thread, the first at {first.where()} (`{first.source}`): each call froze "
            "the loop until it returned, too briefly to show as one long freeze here",
            f"no {first.call} inside a coroutine: the loop waits only in awaits",
            {**LESSONS, **(lessons or {})}.get(first.call, ""),
        )

    def assert_loop_stayed_free(
        self,
        during: str,
        caught_limit: float = CAUGHT_LIMIT,
        limit: float = FREEZE_LIMIT,
        candidates: list[str] | None = None,
        picture: str | None = None,
        lessons: dict[str, str] | None = None,
    ) -> None:
        """The dojo's freeze rule, in two steps. A freeze the watching thread caught inside a
        known blocking call (ray.get, time.sleep, ...) fails past `caught_limit`: correct code
        never makes one on the loop. Any other freeze fails only past `limit`: a busy machine
        stalls a correct loop too (0.35 s seen with both cores busy, in a kata whose answers
        all await), so below it the test cannot tell a mistake from load.

        candidates: the kata's own likely causes of a freeze not caught in a known call
        (the default names the blocking calls in general); picture: shown with the lesson;
        lessons: see fail_if_caught_blocking."""
        self.fail_if_caught_blocking(caught_limit, during, known_call_only=True, lessons=lessons)
        freeze = self.longest_freeze
        if freeze <= limit:
            self.fail_if_ruled_calls_made(during, lessons)
            return
        expected = (
            f"the loop stays free: no freeze inside a blocking call longer than "
            f"{caught_limit:.2f} s, and none at all longer than {limit:.2f} s"
        )
        busy = "a machine too busy to run the event loop for a while: run the tests again"
        culprit = self.culprit()
        if culprit is not None:
            fail(
                f"the event loop froze for {freeze:.2f} s while {during}: its thread was "
                f"caught at {culprit.where()} (`{culprit.source}`), so a heartbeat coroutine "
                "could not run",
                expected,
                [
                    f"work that holds the thread at that line (`{culprit.source}`): a blocking "
                    "call or a long computation inside a coroutine; await something that "
                    "waits without blocking, or move the work off the loop "
                    "(asyncio.to_thread, a Ray task)",
                    *(candidates or []),
                    busy,
                ],
                picture,
            )
        fail(
            f"the event loop froze for {freeze:.2f} s while {during} (a heartbeat coroutine "
            "could not run), but the test never caught its thread in your code",
            expected,
            [
                *(
                    candidates
                    or [
                        "a blocking call inside a coroutine, such as ray.get(...), "
                        "ray.wait(...) or time.sleep(...); use `await ref` / "
                        "`await asyncio.sleep(...)`"
                    ]
                ),
                busy,
            ],
            picture,
        )
