"""Run the repository's kata tests against one learner's code, whatever that code does.

The learner's kata.py files are copied into a throwaway package
`<tmp>/dojo_learner_<n>/kNN_slug/kata.py` and the repository's own
katas/kNN_slug/test_kata.py run against it (`--impl dojo_learner_<n>.kNN_slug.kata`), in a
pytest subprocess of its own, started in a new process group. The learner's own test files
are never run: only kata.py is copied, and the test modules are imported from the repository
(the copy holds no `katas` package that could shadow them). The tests and the support
package are imported from the grading run's read-only copy of the repository, and each
subprocess runs in a bubblewrap sandbox with resource limits where the machine allows it
(dojo/grade/sandbox.py); its output is read through a pipe and capped (dojo/grade/capture.py).

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

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from dojo.grade.capture import CappedOutput
from dojo.grade.events import EventTail, apply_events
from dojo.grade.plugin import NOT_RUN_PREFIX
from dojo.grade.sandbox import Isolation, Jail
from dojo.paths import REPO_ROOT

# Without an Isolation from the class run (a direct call): today's unsandboxed run from the
# repository itself.
DIRECT = Isolation(REPO_ROOT, "run directly, without the class grader's isolation")

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
    # Event-log lines dropped as not the plugin's, by reason (dojo/grade/events.py).
    dropped_events: dict[str, int] = field(default_factory=dict)

    def of_kata(self, kata: str) -> list[TestOutcome]:
        return [t for t in self.tests.values() if t.kata == kata]


@dataclass(frozen=True)
class Limits:
    time_limit: float | None = None  # the learner's whole run, seconds (None: by kata count)
    test_timeout: float | None = None  # cap on each test's own limit
    stall_grace: float = STALL_GRACE
    fixture_limit: float = FIXTURE_LIMIT
    # Resources of one run (dojo/grade/sandbox.py says which hold on this machine). Ray
    # starts ~20 processes and opens many files; its object store takes half of shm_size.
    processes: int = 512  # pids cgroup
    memory: int = 4 * 2**30  # memory cgroup, bytes (the tmpfs /tmp and /dev/shm count in it)
    file_size: int = 256 * 2**20  # RLIMIT_FSIZE: no file written may grow beyond this
    open_files: int = 8192  # RLIMIT_NOFILE
    tmp_size: int = 1 * 2**30  # the sandbox's private /tmp
    shm_size: int = 512 * 2**20  # the sandbox's private /dev/shm


def stage(kata_texts: dict[str, str], root: Path, index: int) -> str:
    """Write the learner's kata.py texts (by kata slug) into a package under root; return
    its name."""
    package = f"dojo_learner_{index}"
    (root / package).mkdir(parents=True)
    (root / package / "__init__.py").write_text("")
    for slug, text in kata_texts.items():
        folder = root / package / slug
        folder.mkdir()
        (folder / "__init__.py").write_text("")
        (folder / "kata.py").write_text(text, encoding="utf-8")
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


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def _watch(proc, tail: EventTail, events: list[dict], deadline: float, limits: Limits, cancel):
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
    isolation: Isolation = DIRECT,
) -> KataRun:
    """Run the kata tests of `katas` against the staged package; see the module docstring.

    Each attempt is one `sandbox.Jail`: sandboxed, pytest runs in bubblewrap with its own
    Ray (address and private_head are ignored: nothing outside is reachable), seeing the
    repository copy read-only, `root` read-only, and only its event log writable."""
    run = KataRun()
    env = _environment(root, address, private_head, isolation)
    deadline = time.monotonic() + limits.time_limit
    pending, attempt, logs = list(katas), 0, []
    while pending:
        attempt += 1
        ending, events, log_text = _attempt(
            package, pending, root, attempt, env, deadline, limits, stop_after_hang, cancel,
            isolation,
        )  # fmt: skip
        logs.append(log_text)
        judged = _count_judged(run)
        in_progress, done = apply_events(run, events)
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


def _environment(
    root: Path, address: str | None, private_head: bool, isolation: Isolation
) -> dict[str, str]:
    """The variables every attempt's pytest gets: the staged code first on its path, and where
    its Ray is."""
    env = {
        "PYTHONPATH": os.pathsep.join([str(isolation.repo_copy), str(root)]),
        "DOJO_WORKER_PYTHONPATH": str(root),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if isolation.sandboxed:
        env["DOJO_PRIVATE_HEAD"] = "1"  # its own embedded Ray, used by this learner alone
        return env
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] += os.pathsep + os.environ["PYTHONPATH"]
    env["DOJO_STATE_DIR"] = str(root / "state")
    if address:
        env["RAY_ADDRESS"] = address
    if private_head:
        # Only this learner's run uses the head: its pending requests are this learner's
        # (dojo.harness.feasibility may then say at once that one can never be satisfied).
        env["DOJO_PRIVATE_HEAD"] = "1"
    return env


def _attempt(
    package: str,
    pending: list[str],
    root: Path,
    attempt: int,
    env: dict[str, str],
    deadline: float,
    limits: Limits,
    stop_after_hang: set[str],
    cancel: threading.Event | None,
    isolation: Isolation,
) -> tuple[_Ending, list[dict], str]:
    """One pytest run of the `pending` katas in its own Jail, watched until it ends or is
    stopped: how it ended, the events it logged, and its output (also kept in pytestN.log)."""
    events_path, log_path = root / f"events{attempt}.jsonl", root / f"pytest{attempt}.log"
    events_path.touch()  # it exists before the sandbox starts: bound read-write there
    jail = Jail(f"{root.name}-{attempt}", isolation, limits, staging=root,
                writable=[events_path])  # fmt: skip
    output: CappedOutput | None = None
    events: list[dict] = []
    tail = EventTail(events_path)
    try:
        proc = jail.start(_command(package, pending, events_path, limits, stop_after_hang), env)
        output = CappedOutput(proc.stdout)
        ending = _watch(proc, tail, events, deadline, limits, cancel)
        if ending.returncode is not None:
            ending.returncode = jail.exit_code(ending.returncode)
    finally:
        jail.close()  # interrupted or not: no process of the run survives it
    log_text = output.text()
    log_path.write_text(log_text, errors="replace")
    events.extend(tail.read())
    return ending, events, log_text


def _count_judged(run: KataRun) -> int:
    return sum(t.status != "pending" for t in run.tests.values())


def _close_pending(run: KataRun, katas, message: str) -> None:
    for test in run.tests.values():
        if test.kata in katas and test.status == "pending":
            test.status, test.message = "error", message
