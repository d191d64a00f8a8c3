"""Run the repository's kata tests against one learner's code, whatever that code does.

The learner's kata.py files are copied into a throwaway package
`<tmp>/dojo_learner_<n>/kNN_slug/kata.py` and the repository's own
katas/kNN_slug/test_kata.py run against it (`--impl dojo_learner_<n>.kNN_slug.kata`), in a
pytest subprocess of its own, started in a new process group. The learner's own test files
are never run: only kata.py is copied, and the test modules are imported from the repository
(the copy holds no `katas` package that could shadow them).

The subprocess writes an event log (dojo/grade/plugin.py) and is watched:
* a stall is killed: a test still running well after its own time limit (pytest-timeout
  could not interrupt it, e.g. blocked inside ray.get), or a test's setup or teardown
  taking far too long (an endless loop while kata.py is imported, which no test limit
  covers);
* the learner's whole run has a wall-clock limit;
* if the process dies (os._exit, a signal, a stall), the results obtained so far are kept,
  the test that was running is an error naming what happened, the rest of that kata is
  "not run", and a new subprocess continues with the katas that remain. So one crash costs
  one kata, and each restart makes progress (at most one per kata).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from dojo.grade.plugin import NOT_RUN_PREFIX
from dojo.paths import REPO_ROOT

# The watchdog: a test body may run this long beyond its own limit before it is killed...
STALL_GRACE = 30.0
UNKNOWN_TEST_TIMEOUT = 60.0  # (when a test declares no limit)
# ...and a setup or teardown (which pytest-timeout does not time here: timeout_func_only)
# this long: the first setup connects to Ray and imports kata.py, teardowns release probes.
FIXTURE_LIMIT = 60.0
POLL = 0.25


class Cancelled(Exception):
    """Grading was interrupted (Ctrl-C): the learner's process was killed."""


@dataclass
class TestOutcome:
    kata: str
    test: str
    param: str
    status: str  # "pass" | "fail" | "error"
    message: str = ""
    output: str = ""
    duration: float = 0.0


@dataclass
class KataRun:
    """What running some katas for one learner produced, test by test, in collection order."""

    tests: dict[str, TestOutcome] = field(default_factory=dict)  # by nodeid
    problems: list[str] = field(default_factory=list)  # what cut a run short, if anything
    output_tail: str = ""  # pytest's last words, when it ended before collecting the tests
    log: str = ""

    def of_kata(self, kata: str) -> list[TestOutcome]:
        return [t for t in self.tests.values() if t.kata == kata]


@dataclass(frozen=True)
class Limits:
    time_limit: float | None = None  # the learner's whole run, seconds (None: by kata count)
    test_timeout: float | None = None  # cap on each test's own limit
    stall_grace: float = STALL_GRACE
    fixture_limit: float = FIXTURE_LIMIT


def stage(kata_files: dict[str, Path], root: Path, index: int) -> str:
    """Copy the learner's kata.py files into a package under root; return its name."""
    package = f"dojo_learner_{index}"
    (root / package).mkdir(parents=True)
    (root / package / "__init__.py").write_text("")
    for slug, source in kata_files.items():
        folder = root / package / slug
        folder.mkdir()
        (folder / "__init__.py").write_text("")
        (folder / "kata.py").write_bytes(source.read_bytes())
    return package


def _command(package: str, katas: list[str], events: Path, limits: Limits, stop_after_hang):
    cmd = [
        sys.executable, "-m", "pytest", *[f"katas/{k}" for k in katas],
        *[arg for k in katas for arg in ("--impl", f"{package}.{k}.kata")],
        "-p", "dojo.grade.plugin", "--grade-log", str(events),
        *[arg for k in katas if k in stop_after_hang for arg in ("--grade-stop-after-hang", k)],
        "-q", "-p", "no:cacheprovider", "--no-header", "-rN", "--color=no",
    ]  # fmt: skip
    if limits.test_timeout:
        cmd += ["--grade-test-timeout", str(limits.test_timeout)]
    return cmd


@dataclass
class _Ending:
    kind: str  # "exited" | "stalled" | "time limit"
    returncode: int | None = None
    waited: float = 0.0
    phase: str = ""  # of the stalled test


class _EventTail:
    """Reads the complete lines appended to the event log since the last call."""

    def __init__(self, path: Path):
        self.path, self.offset = path, 0

    def read(self) -> list[dict]:
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                chunk = f.read()
        except FileNotFoundError:
            return []
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self.offset += len(complete)
        return [json.loads(line) for line in complete.splitlines() if line.strip()]


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def _watch(proc, tail: _EventTail, events: list[dict], deadline: float, limits: Limits, cancel):
    """Wait for the process, killing it on a stall or when the time limit runs out."""
    current: tuple[str, float, float] | None = None  # (phase, started, allowed) running now
    body = UNKNOWN_TEST_TIMEOUT + limits.stall_grace
    while True:
        try:
            return _Ending("exited", proc.wait(timeout=POLL))
        except subprocess.TimeoutExpired:
            pass
        for event in tail.read():
            events.append(event)
            if event["event"] == "start":
                body = (event.get("timeout") or UNKNOWN_TEST_TIMEOUT) + limits.stall_grace
            if event["event"] in ("start", "phase"):
                phase = event.get("when", "setup")
                allowed = body if phase == "call" else limits.fixture_limit
                current = (phase, time.monotonic(), allowed)
            elif event["event"] == "finish":
                current = None
        if cancel is not None and cancel.is_set():
            _kill_group(proc)
            raise Cancelled
        now = time.monotonic()
        if now >= deadline:
            _kill_group(proc)
            return _Ending("time limit")
        if current and now - current[1] > current[2]:
            _kill_group(proc)
            return _Ending("stalled", waited=now - current[1], phase=current[0])


def _describe(ending: _Ending, limits: Limits) -> str:
    if ending.kind == "time limit":
        return f"stopped: the learner's time limit of {limits.time_limit:.0f} s ran out"
    if ending.kind == "stalled" and ending.phase == "call":
        return (
            f"killed after {ending.waited:.0f} s: the test hung where its own time limit could "
            "not stop it (a call blocked inside Ray, such as ray.get on work that never ends)"
        )
    if ending.kind == "stalled" and ending.phase == "setup":
        return (
            f"killed after {ending.waited:.0f} s preparing the test: kata.py never finished "
            "importing (an endless loop or a blocking call at module level?)"
        )
    if ending.kind == "stalled":
        return (
            f"killed after {ending.waited:.0f} s cleaning up after the test: the code under "
            "test left work behind that would not stop"
        )
    code = ending.returncode
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"the test process died from {name} during this test"
    return (
        f"the test process exited with code {code} during this test: the code under test "
        "ended the process (os._exit(), or a crash)"
    )


def _apply(run: KataRun, events: list[dict]) -> tuple[str | None, bool]:
    """Fold one attempt's events into the run; return (test in progress, finished normally)."""
    in_progress, done = None, False
    for event in events:
        kind = event["event"]
        if kind == "collected":
            for t in event["tests"]:
                run.tests.setdefault(
                    t["nodeid"], TestOutcome(t["kata"], t["test"], t["param"], "pending")
                )
        elif kind == "start":
            in_progress = event["nodeid"]
        elif kind == "finish":
            in_progress = None
        elif kind == "report":
            _fold_report(run.tests[event["nodeid"]], event)
        elif kind == "done":
            done = True
    return in_progress, done


def _fold_report(test: TestOutcome, event: dict) -> None:
    test.duration += event.get("duration", 0.0)
    if event.get("stdout"):
        test.output = event["stdout"]  # each phase's capture includes the earlier phases'
    outcome, message = event["outcome"], event["message"]
    if test.status in ("fail", "error"):
        return  # the first problem of a test is the one to report
    if outcome == "passed":
        if event["when"] == "call":
            test.status = "pass"
    elif outcome == "skipped":
        test.status, test.message = "error", message or "skipped"
        if not message.startswith(NOT_RUN_PREFIX):
            test.message = f"{NOT_RUN_PREFIX}skipped ({message})"
    elif event.get("timed_out"):
        seconds, _, where = message.removeprefix("Timeout (>").partition("s)")
        where = where.partition("\n\n")[2]  # the learner's line it was stopped at, if any
        test.status = "error"
        test.message = (
            f"the test did not finish within its time limit of {seconds} s and was stopped: "
            "your code hung (an endless loop, or awaiting something that never happens), "
            "unless the machine was badly overloaded"
        ) + (f"\n\n{where}" if where else "")
    else:
        # A failure inside the test is a failed answer; one in setup or teardown (kata.py
        # does not import, a fixture broke) means the test could not judge the answer.
        test.status = "fail" if event["when"] == "call" else "error"
        test.message = message


def run_katas(
    package: str,
    root: Path,
    katas: list[str],
    *,
    address: str | None,
    limits: Limits,
    private_head: bool = False,
    stop_after_hang: set[str] = frozenset(),
    cancel: threading.Event | None = None,
) -> KataRun:
    """Run the kata tests of `katas` against the staged package; see the module docstring."""
    run = KataRun()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        ),
        "DOJO_WORKER_PYTHONPATH": str(root),
        "DOJO_STATE_DIR": str(root / "state"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if address:
        env["RAY_ADDRESS"] = address
    if private_head:
        # Only this learner's run uses the head: its pending requests are this learner's
        # (dojo.harness.feasibility may then say at once that one can never be satisfied).
        env["DOJO_PRIVATE_HEAD"] = "1"
    deadline = time.monotonic() + limits.time_limit
    pending, attempt, logs = list(katas), 0, []
    while pending:
        attempt += 1
        events_path, log_path = root / f"events{attempt}.jsonl", root / f"pytest{attempt}.log"
        with open(log_path, "w") as log:
            proc = subprocess.Popen(
                _command(package, pending, events_path, limits, stop_after_hang),
                cwd=REPO_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # so a kill reaches everything it started
            )
            events: list[dict] = []
            tail = _EventTail(events_path)
            try:
                ending = _watch(proc, tail, events, deadline, limits, cancel)
            finally:
                if proc.poll() is None:  # interrupted (Ctrl-C): leave nothing behind
                    _kill_group(proc)
        events.extend(tail.read())
        logs.append(log_path.read_text(errors="replace"))
        judged = _count_judged(run)
        in_progress, done = _apply(run, events)
        if done:
            break
        if not any(e["event"] == "collected" for e in events):
            run.output_tail = logs[-1][-3000:]  # it died early: pytest's last words explain
        what = _describe(ending, limits)
        if in_progress:
            crashed = run.tests[in_progress]
            crashed.status, crashed.message = "error", what
            run.problems.append(f"{crashed.kata} · {crashed.test}: {what}")
            _close_pending(run, [crashed.kata], f"{NOT_RUN_PREFIX}the run of this kata ended "
                           f"in {crashed.test}: {what}")  # fmt: skip
        else:
            run.problems.append(what)
        if ending.kind == "time limit" or _count_judged(run) == judged:
            # No time left, or no progress: another attempt would end the same way.
            _close_pending(run, pending, f"{NOT_RUN_PREFIX}{what}")
            break
        pending = [k for k in pending if any(t.status == "pending" for t in run.of_kata(k))]
    # A normal end leaves nothing pending, unless pytest itself gave up on a test.
    _close_pending(run, katas, f"{NOT_RUN_PREFIX}pytest stopped before this test")
    run.log = "\n".join(logs)
    return run


def _count_judged(run: KataRun) -> int:
    return sum(t.status != "pending" for t in run.tests.values())


def _close_pending(run: KataRun, katas, message: str) -> None:
    for test in run.tests.values():
        if test.kata in katas and test.status == "pending":
            test.status, test.message = "error", message
