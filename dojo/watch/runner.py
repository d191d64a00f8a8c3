"""Fast kata re-runs for `dojo watch`: a warm process that forks one pytest run per save.

Python, pytest and `import ray` cost 1.5-2.5 s, and a new Ray driver's first task waits
another second for a worker process. So the runner process imports everything once (but
never calls ray.init: forking after it is unsafe), and always keeps one forked *spare*
ready: connected to the Ray head, warming up a worker and a probe actor, waiting for the
word to go. On a save the spare only has to collect and run the kata's tests.

Each run is a fresh process and a fresh Ray job, so the learner's edited kata.py is imported
anew by the driver and by the job's workers, and a run that hangs can simply be killed
(it leads its own process group). The learner's code is never imported here before a fork.

Protocol (JSON lines): the watcher writes {"cmd": "prepare"} once the Ray head is up, then
{"cmd": "run", "target": DIR, "report": FILE, "log": FILE} per check; it reads
{"event": "imported"}, {"event": "started", "pid": N}, {"event": "reported", "pid": N,
"status": CODE} (from the run itself, the moment its report is written) and
{"event": "finished", "pid": N, "status": CODE} (negative: killed by that signal).
End of input ends the runner and its spare.

Started as `python -m dojo.watch.runner` with RAY_ADDRESS already set (by Watcher/Runner):
dojo.cluster.ray_runtime must see it before `ray` is imported.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from dojo.paths import REPO_ROOT

# Arguments for every learner run: stop at the first failure (watch shows only that one, and
# a hanging attempt costs one test's timeout, not all of them), short tracebacks.
PYTEST_ARGS = ["-x", "-q", "--tb=short", "-p", "no:cacheprovider"]


# -- the runner process ------------------------------------------------------------------


def _import_everything() -> None:
    """What every kata run needs, imported once here so each fork starts with it."""
    import importlib
    from importlib.metadata import entry_points

    import dojo.pytest_plugin  # noqa: F401  (first: it prepares the env before `import ray`)

    for name in (
        "ray",
        "pytest",
        "aiohttp",
        "dojo.harness.teach",
        "dojo.harness.probes",
        "dojo.harness.timing",
    ):
        importlib.import_module(name)
    for name in (
        "dojo.harness.heartbeat",
        "dojo.harness.timeline",
        "dojo.harness.sim",
        "dojo.harness.waiting",
        "dojo.web",
    ):
        try:
            importlib.import_module(name)
        except ImportError:
            pass  # not every version of the dojo has every helper
    # pytest loads its plugins (asyncio, timeout, ...) through these entry points.
    for entry in entry_points(group="pytest11"):
        try:
            entry.load()
        except Exception:  # a broken third-party plugin is pytest's to report, in the run
            pass


# Keeps the warm-up task's ref alive until the run (this process ends after one run).
_warming: list = []


def _warm_up() -> None:
    """Start what the first test would otherwise wait for: a worker and a probe actor.

    Nothing here waits: Ray starts them while the learner edits, and a save that comes
    sooner starts the run at once. (Waiting in a second thread instead would hold up the
    run's own Ray calls until the warm-up was done: measured, 2-3x slower runs.)"""
    import ray

    from dojo.harness import probes

    # Defined here, not at module level, so it is shipped by value: a worker importing this
    # module would import pytest too.
    @ray.remote(num_cpus=0)
    def nothing() -> None:
        return None

    try:
        _warming.append(nothing.remote())
        probes.start_idle_probe_actor()  # the first test's probe reuses it
    except Exception:
        pass  # best effort: the tests start what they need anyway


def _report_at_once(protocol: int):
    """A pytest plugin: once the dojo plugin has written the report and recorded progress,
    tell the watcher and end the process, instead of waiting ~0.4 s for pytest to unwind."""
    import pytest

    class ReportAtOnce:
        # The outermost wrapper: its code after `yield` runs after every other
        # sessionfinish hook, including the terminal summary that goes to the run's log.
        @pytest.hookimpl(wrapper=True, tryfirst=True)
        def pytest_sessionfinish(self, session, exitstatus):
            result = yield
            sys.stdout.flush()
            sys.stderr.flush()
            status = int(exitstatus)
            # One short write on a pipe is atomic: it cannot interleave with the runner's.
            os.write(protocol, _line("reported", pid=os.getpid(), status=status).encode())
            os._exit(status)
            return result

    return ReportAtOnce()


def _spare(go_read: int, protocol: int) -> None:
    """In the forked child: connect and warm up, then wait for one run and do it."""
    from dojo.cluster import ray_runtime

    os.setpgid(0, 0)  # its own group: a kill takes whatever the learner's code started
    problem = None
    try:
        ray_runtime.start_or_connect()
        if os.environ.get("DOJO_REUSED_HEAD") and not ray_runtime.all_cpus_free(within=3.0):
            # The katas' proofs count both CPUs: a verdict on a short head would be wrong.
            problem = (
                "the dojo's Ray head has CPUs held by an earlier run (a detached actor?): "
                "run `dojo down`, then start `dojo watch` again"
            )
        _warm_up()
    except ray_runtime.ClusterUnreachable as error:  # its message says what to do
        problem = str(error)
    except Exception as error:  # reported with the run, when the learner is looking
        problem = f"{type(error).__name__}: {error}"
    with os.fdopen(go_read) as go:
        line = go.readline()
    if not line:
        os._exit(0)  # the runner is shutting down
    order = json.loads(line)
    log = os.open(order["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    try:
        # The cluster may have gone since this spare connected (a room's head restarted):
        # say so now rather than let the tests hang on it.
        ray_runtime.check_reachable(os.environ["RAY_ADDRESS"])
    except ray_runtime.ClusterUnreachable as error:
        problem = str(error)
    if problem:
        Path(order["report"]).write_text(json.dumps({"error": problem, "results": []}))
        os._exit(3)
    import pytest
    import ray

    # The session fixture's ray.shutdown() costs 0.1-0.3 s; this process ends right after
    # the report, and Ray ends a job whose driver has gone.
    ray.shutdown = lambda *args, **kwargs: None
    args = [order["target"], *PYTEST_ARGS, "--dojo-report", order["report"]]
    status = pytest.main(args, plugins=[_report_at_once(protocol)])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(int(status))  # only if pytest ended before sessionfinish (a usage error)


def _fork_spare(quiet_log: str) -> tuple[int, int]:
    go_read, go_write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(go_write)
            protocol = os.dup(1)
            # Until a run redirects them: Ray's connection chatter must not reach the
            # protocol (stdout) or the learner's terminal.
            quiet = os.open(quiet_log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            os.dup2(quiet, 1)
            os.dup2(quiet, 2)
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            _spare(go_read, protocol)
        finally:
            os._exit(4)
    os.close(go_read)
    try:
        os.setpgid(pid, pid)  # here too, so a kill right after the fork cannot miss the group
    except OSError:
        pass  # the child got there first (or is already gone)
    return pid, go_write


def _line(event: str, **fields) -> str:
    return json.dumps({"event": event, **fields}) + "\n"


def _emit(event: str, **fields) -> None:
    sys.stdout.write(_line(event, **fields))
    sys.stdout.flush()


def main() -> None:
    _import_everything()
    _emit("imported")
    quiet_log = os.environ.get("DOJO_WATCH_QUIET_LOG", os.devnull)
    spare: tuple[int, int] | None = None
    try:
        for line in sys.stdin:
            command = json.loads(line)
            if spare is None:
                spare = _fork_spare(quiet_log)
            if command["cmd"] != "run":
                continue
            pid, go_write = spare
            spare = None
            try:
                with os.fdopen(go_write, "w") as go:
                    go.write(json.dumps(command) + "\n")
            except BrokenPipeError:  # the spare died while waiting: start the run in a new one
                os.waitpid(pid, 0)
                pid, go_write = _fork_spare(quiet_log)
                with os.fdopen(go_write, "w") as go:
                    go.write(json.dumps(command) + "\n")
            _emit("started", pid=pid)
            _, status = os.waitpid(pid, 0)
            code = os.waitstatus_to_exitcode(status)
            # The next spare starts after the verdict, so it never competes for CPU with a run.
            spare = _fork_spare(quiet_log)
            _emit("finished", pid=pid, status=code)
    finally:
        if spare is not None:
            # Not politely: a spare may still be connecting to a cluster that does not answer.
            # Its Ray job ends with it.
            pid, go_write = spare
            try:
                os.killpg(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            os.close(go_write)


# -- the watcher's side ------------------------------------------------------------------


class RunnerGone(RuntimeError):
    """The runner process ended (its log says why)."""


@dataclass
class Run:
    """One check in flight, as seen from the watcher."""

    runner: Runner
    pid: int
    report: Path
    log: Path
    status: int | None = None

    def wait(self, timeout: float) -> int | None:
        """The run's status once its report is written (or it ended without one), or None
        if neither happened within `timeout` s."""
        deadline = time.monotonic() + timeout
        while self.status is None:
            event = self.runner._next_event(max(0.0, deadline - time.monotonic()))
            if event is None:
                return None
            # Skip what concerns earlier runs (a killed or reported run's "finished").
            if event.get("pid") == self.pid and event["event"] in ("reported", "finished"):
                self.status = event["status"]
        return self.status

    def kill(self) -> None:
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Runner:
    """Starts and talks to the runner process (see the module docstring)."""

    def __init__(self, work_dir: Path, env: dict[str, str]):
        self.work_dir = work_dir
        self.log = work_dir / "runner.log"
        self._events: queue.Queue[dict | None] = queue.Queue()
        self._runs = 0
        self._current: Run | None = None
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "dojo.watch.runner"],
                cwd=REPO_ROOT,
                env={**env, "DOJO_WATCH_QUIET_LOG": str(work_dir / "spare.log")},
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                # Ctrl-C in the terminal is for the watcher, which then stops this cleanly.
                start_new_session=True,
            )
        threading.Thread(target=self._read_events, daemon=True).start()

    def _read_events(self) -> None:
        for line in self.process.stdout:
            self._events.put(json.loads(line))
        self._events.put(None)

    def _next_event(self, timeout: float) -> dict | None:
        try:
            event = self._events.get(timeout=timeout)
        except queue.Empty:
            return None
        if event is None:
            self._events.put(None)  # stays gone for every later reader
            raise RunnerGone(self.log.read_text(errors="replace")[-3000:])
        return event

    def _send(self, **command) -> None:
        try:
            self.process.stdin.write(json.dumps(command) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, ValueError):
            raise RunnerGone(self.log.read_text(errors="replace")[-3000:]) from None

    def wait_imported(self, within: float = 120) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            event = self._next_event(0.2)
            if event and event["event"] == "imported":
                return
        raise RunnerGone(f"the runner did not start within {within:.0f} s")

    def prepare(self) -> None:
        """Start the first spare (once the Ray head accepts connections)."""
        self._send(cmd="prepare")

    def start(self, target: Path) -> Run:
        self._runs += 1
        # Alternate two file names: the last run's output stays readable while the next runs.
        report = self.work_dir / f"report-{self._runs % 2}.json"
        log = self.work_dir / f"run-{self._runs % 2}.log"
        report.unlink(missing_ok=True)
        # Python trusts a cached kata.pyc whose recorded mtime (whole seconds) and size match
        # the source: two saves within a second with the same length would run stale code.
        for stale in (target / "__pycache__").glob("kata.*.pyc"):
            stale.unlink(missing_ok=True)
        self._send(cmd="run", target=str(target), report=str(report), log=str(log))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            event = self._next_event(1)
            if event and event["event"] == "started":
                self._current = Run(self, event["pid"], report, log)
                return self._current
        raise RunnerGone("the runner did not start a check within 60 s")

    def close(self) -> None:
        # A run still going (Ctrl-C during a check) leads its own process group: end it
        # here, or the runner would wait for it before seeing the end of its input.
        if self._current is not None and self._current.status is None:
            self._current.kill()
        if self.process.poll() is None:
            try:
                self.process.stdin.close()
                self.process.wait(10)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


if __name__ == "__main__":
    main()
