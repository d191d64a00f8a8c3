"""`dojo watch` and `dojo rotate`: re-run a kata on every save and show only what matters.

A Watcher checks one kata per save of its kata.py (through a warm runner process, see
dojo/watch/runner.py), prints "checking…" at once, then either the first failure's teaching
message or a green line, after which it moves on to the next kata that is not done. With a
rotation period it also calls "Rotate!" (randori: the driver changes every M minutes).

Everything the Watcher needs comes in through its constructor (runner, output console,
clock) and its `run(saves)` argument, so tests drive it without a terminal or a file system.
`watch_katas()` wires the real pieces: the checkout's reused Ray head (dojo/cluster/daemon.py;
a private head when another run holds it, none when RAY_ADDRESS names a cluster), the
runner, and watchfiles.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from dojo.cluster import ray_runtime
from dojo.kata import catalogue, progress
from dojo.kata.catalogue import Kata
from dojo.kata.outcomes import NOT_RUN
from dojo.paths import KATAS_DIR, REPO_ROOT

DEFAULT_TIME_LIMIT = 60.0
# How long the loop waits for a save before looking at the rotation clock again.
TICK = 0.5
_LOCATION = re.compile(r"^(\S+\.py):(\d+): in (\S+)$")


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def lesson_text(message: str, limit: int = 25) -> str:
    """The teaching part of a failure: dojo's lessons as they are; for any other error, the
    exception lines and the innermost place in the learner's kata.py, never a traceback."""
    text = message.strip()
    lines = text.splitlines()
    # pytest marks the exception's lines with "E   " (and blank ones with a lone "E").
    errors = [ln[4:] for ln in lines if ln.startswith("E   ") and ln[4:].strip()]
    if not errors:
        return "\n".join(lines[:limit])  # a lesson (teach.fail) or a NOT DONE YET notice
    places = [m for m in map(_LOCATION.match, lines) if m]
    in_kata = [m for m in places if Path(m.group(1)).name == "kata.py"]
    where = in_kata[-1] if in_kata else None  # elsewhere (pytest, importlib) is noise
    if len(errors) > limit:
        errors = [*errors[: limit - 1], "…"]
    if where:
        errors.append(f"(in {where.group(3)}, {where.group(1)} line {where.group(2)})")
    return "\n".join(errors)


@dataclass
class CheckResult:
    kata: Kata
    total: int
    passed: list[str] = field(default_factory=list)
    failure: tuple[str, str] | None = None  # (test, teaching message)
    problem: str | None = None  # the check itself went wrong: killed, crashed, no Ray
    seconds: float = 0.0

    @property
    def green(self) -> bool:
        return not self.problem and not self.failure and len(self.passed) == self.total > 0

    def summary(self) -> str:
        head = f"Kata {self.kata.number:02d} · {self.kata.title}: "
        if self.problem:
            return head + "the check did not finish"
        counted = f"{len(self.passed)} of {self.total} tests pass"
        if self.failure:
            counted += f"; first failure: {self.failure[0]}"
        return head + counted


def read_check_result(
    kata: Kata, report: Path, log: Path, status: int, seconds: float
) -> CheckResult:
    """Turn one run's --dojo-report (written by dojo.pytest_plugin) into a verdict."""
    names = kata.test_names()
    verdict = CheckResult(kata, total=len(names), seconds=seconds)
    try:
        data = json.loads(report.read_text())
    except (OSError, ValueError):
        data = None
    if data is None or data.get("error") or not data.get("results"):
        output = log.read_text(errors="replace").strip() if log.exists() else ""
        tail = "\n".join(output.splitlines()[-15:])
        if data and data.get("error"):
            verdict.problem = f"could not use Ray: {data['error']}"
        elif status < 0:
            verdict.problem = f"the check was killed (signal {-status}) before it reported"
        else:
            verdict.problem = f"pytest ended (status {status}) without running the tests"
        if tail:
            verdict.problem += f"\n{tail}"
        return verdict
    outcomes: dict[str, tuple[str, str]] = {}
    for r in data["results"]:
        if r["kata"] != kata.slug:
            continue
        outcome = "not_done" if r["not_done"] else r["outcome"]
        if outcome == NOT_RUN:
            continue  # after the first failure (dojo.pytest_plugin): no verdict of its own
        # As dojo.kata.progress.record does: a failed setup or teardown outweighs a passed call.
        if r["when"] == "call" or outcome != "passed":
            if outcomes.get(r["test"], ("passed",))[0] == "passed":
                outcomes[r["test"]] = (outcome, r["message"])
    verdict.passed = [n for n in names if outcomes.get(n, ("",))[0] == "passed"]
    for name in names:
        outcome, message = outcomes.get(name, ("", ""))
        if outcome and outcome != "passed":
            verdict.failure = (name, lesson_text(message))
            break
    return verdict


class Saves:
    """Saved kata.py files, delivered as sets of paths. Fed by watchfiles (FileSaves) or,
    in tests, by `put`. An empty set means nothing was saved in time; None, no more saves."""

    def __init__(self) -> None:
        self._queue: queue.Queue[set[Path] | None] = queue.Queue()

    def put(self, paths: Iterable[Path | str]) -> None:
        self._queue.put({Path(p).resolve() for p in paths})

    def close(self) -> None:
        self._queue.put(None)

    def next(self, timeout: float) -> set[Path] | None:
        try:
            saved = self._queue.get(timeout=timeout)
        except queue.Empty:
            return set()
        if saved is None:
            self._queue.put(None)  # stays closed for every later call
        return saved

    def drain(self) -> set[Path]:
        """Everything saved so far, without waiting."""
        saved: set[Path] = set()
        while True:
            got = self.next(0)
            if not got:
                return saved
            saved |= got


class FileSaves(Saves):
    """kata.py saves anywhere under `folder`, from watchfiles in a background thread (it
    coalesces an editor's burst of events into one change, `step` ms after the last)."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        import watchfiles

        self.error: Exception | None = None
        self._stop = threading.Event()
        changes = watchfiles.watch(
            folder,
            watch_filter=lambda _change, path: Path(path).name == "kata.py",
            debounce=1000,
            step=50,
            stop_event=self._stop,
            rust_timeout=500,
        )
        self._thread = threading.Thread(target=self._forward, args=(changes,), daemon=True)
        self._thread.start()

    def _forward(self, changes) -> None:
        try:
            for batch in changes:
                self.put(path for _change, path in batch)
        except Exception as error:  # e.g. the folder went away: end the loop, say why
            self.error = error
            super().close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        super().close()


class Watcher:
    """Checks one kata per save; moves on when it passes; optionally calls rotations."""

    def __init__(
        self,
        kata: Kata,
        runner,  # dojo.watch.runner.Runner, or anything with its start(target) -> Run
        console: Console,
        *,
        katas: list[Kata] | None = None,
        rotate_every: float | None = None,  # seconds
        clock: Callable[[], float] = time.monotonic,
        time_limit: float = DEFAULT_TIME_LIMIT,
        stay: bool = False,
        board: Callable[[Watcher, float], None] | None = None,  # dojo.board.randori's feed
    ) -> None:
        self.board = board
        self.kata = kata
        self.runner = runner
        self.console = console
        self.katas = katas if katas is not None else catalogue.all_katas()
        self.rotate_every = rotate_every
        self.clock = clock
        self.time_limit = time_limit
        self.stay = stay
        self.last: CheckResult | None = None
        self.rotations = 0
        self._saves: Saves | None = None
        self._checked: bytes | None = None  # kata.py as it was when the last run started

    # -- output --------------------------------------------------------------------------
    def say(self, text: str, style: str | None = None) -> None:
        # soft_wrap: long lines are left to the terminal, so copied messages stay intact.
        self.console.print(text, style=style, markup=False, highlight=False, soft_wrap=True)

    def show(self, verdict: CheckResult) -> None:
        timing = f" · {verdict.seconds:.1f} s"
        if verdict.problem:
            self.say(verdict.problem, style="red")
        elif verdict.failure:
            name, message = verdict.failure
            self.say(f"✗ {name}", style="bold red")
            self.say("\n".join("  " + ln for ln in message.splitlines()))
        style = "green" if verdict.green else "yellow"
        self.say(f"{verdict.summary()}{timing} · watching {_rel(self.kata.stub)}", style=style)

    # -- one check -----------------------------------------------------------------------
    def check(self) -> CheckResult:
        """Run the current kata's tests once, in a fresh process, within the time limit; the
        verdict is always about the newest saved kata.py."""
        self.say("checking…", style="dim")
        while True:
            verdict = self._check_once()
            # A save can reach us late or merged with an earlier one (watchfiles batches
            # events, and a loaded machine delays them): the file itself says whether the
            # run saw the newest code.
            if self._saves is None or self._stub_bytes() == self._checked:
                return verdict
            self.say("kata.py changed during the check: checking the newest version…", style="dim")

    def _stub_bytes(self) -> bytes | None:
        try:
            return self.kata.stub.read_bytes()
        except OSError:
            return None

    def _start_run(self):
        self._checked = self._stub_bytes()  # what this run will import, give or take a save
        return self.runner.start(self.kata.path)

    def _check_once(self) -> CheckResult:
        started = time.monotonic()
        run = self._start_run()
        # Short waits: a new save or the time limit is noticed within a tenth of a second.
        while (status := run.wait(min(0.1, self.time_limit))) is None:
            if self._saves is not None and self.kata.stub.resolve() in self._saves.drain():
                run.kill()
                self.say("kata.py changed again: starting over…", style="dim")
                started = time.monotonic()
                run = self._start_run()
            elif time.monotonic() - started > self.time_limit:
                run.kill()
                return CheckResult(
                    self.kata,
                    total=len(self.kata.test_names()),
                    problem=f"stopped the check after {self.time_limit:g} s: something in "
                    f"{_rel(self.kata.stub)} never finishes (awaiting what nobody resolves? a "
                    "deadlock?), or the Ray cluster does not answer. Save again to re-check.",
                    seconds=time.monotonic() - started,
                )
        return read_check_result(self.kata, run.report, run.log, status, time.monotonic() - started)

    def next_unsolved(self) -> Kata | None:
        seen = progress.load()
        later = [k for k in self.katas if k.number > self.kata.number]
        earlier = [k for k in self.katas if k.number < self.kata.number]
        for kata in later + earlier:
            if progress.state(kata, seen) != progress.DONE:
                return kata
        return None

    def check_and_move_on(self) -> bool:
        """Check; while the kata passes, move on to the next one and check that. False once
        every kata is done."""
        while True:
            verdict = self.last = self.check()
            if not verdict.green:
                self.show(verdict)
                return True
            if self.stay:
                self.show(verdict)
                return True
            done = (
                f"Kata {self.kata.number:02d} passes "
                f"({verdict.total} of {verdict.total} tests, {verdict.seconds:.1f} s)"
            )
            following = self.next_unsolved()
            if following is None:
                self.say(f"{done}. Every kata is done: well done!", style="bold green")
                return False
            self.say(
                f"{done} — moving on to Kata {following.number:02d} · {following.title}\n"
                f"  read {_rel(following.readme)}, edit {_rel(following.stub)}",
                style="bold green",
            )
            self.kata = following

    # -- rotation ------------------------------------------------------------------------
    def announce_rotation(self) -> None:
        self.rotations += 1
        # Straight to the stream: rich drops control codes (console.bell) when the output is
        # not a terminal, and a room may well be piping it (tmux logging, a projector script).
        self.console.file.write("\a")
        self.console.file.flush()
        self.say(f"⟳ Rotate! next driver (rotation {self.rotations})", style="bold magenta")
        if self.last is None:
            return
        state = self.last.summary()
        if self.last.failure:
            first_line = self.last.failure[1].splitlines()[0] if self.last.failure[1] else ""
            state += f"\n  {first_line}"
        elif self.last.problem:
            state += f"\n  {self.last.problem.splitlines()[0]}"
        self.say(state)

    # -- the loop ------------------------------------------------------------------------
    def run(self, saves: Saves) -> int:
        """Check now, then after every save of the current kata.py; 0 when every kata is
        done or the saves end."""
        self._saves = saves
        self.say(
            f"Watching Kata {self.kata.number:02d} · {self.kata.title}: edit "
            f"{_rel(self.kata.stub)} and save. Ctrl-C stops.",
            style="bold",
        )
        if self.rotate_every:
            self.say(f"Randori: a new driver every {self.rotate_every / 60:g} min.", style="bold")
        if not self.check_and_move_on():
            return 0
        next_rotation = self.clock() + self.rotate_every if self.rotate_every else None
        while True:
            if self.board is not None and next_rotation is not None:
                self.board(self, next_rotation - self.clock())  # the timer on the class board
            wait = TICK
            if next_rotation is not None:
                wait = min(TICK, max(0.0, next_rotation - self.clock()))
            saved = saves.next(wait)
            if saved is None:
                return 0
            if self.kata.stub.resolve() in saved and not self.check_and_move_on():
                return 0
            if next_rotation is not None and self.clock() >= next_rotation:
                self.announce_rotation()
                next_rotation = self.clock() + self.rotate_every


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def first_unsolved(katas: list[Kata]) -> Kata | None:
    seen = progress.load()
    return next((k for k in katas if progress.state(k, seen) != progress.DONE), None)


# A closed terminal (HUP) or `kill` (TERM) stops watching as Ctrl-C does: the head and the
# runner live in sessions of their own (so the terminal's Ctrl-C reaches only this process),
# and they must stop too.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class CannotWatch(Exception):
    """What `dojo watch` needs is missing; the message says what and how to get it."""


@contextlib.contextmanager
def _stops_interrupt():
    previous = {sig: signal.signal(sig, _interrupt) for sig in STOP_SIGNALS}
    previous[signal.SIGINT] = signal.getsignal(signal.SIGINT)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _check_can_watch(address: str | None) -> None:
    try:
        import watchfiles  # noqa: F401
    except ImportError:
        raise CannotWatch(
            "dojo watch needs the `watchfiles` package. Install the dojo's "
            "dependencies: `.venv/bin/pip install -e .`"
        ) from None
    if address:
        try:
            ray_runtime.check_reachable(address)
        except ray_runtime.ClusterUnreachable as err:
            raise CannotWatch(str(err)) from None


@contextlib.contextmanager
def _warm_runner(address: str | None, console: Console):
    """A runner with the dojo imported and Ray connected: to RAY_ADDRESS's cluster, else to
    the checkout's reused head, else to a private head started here; the runner and a private
    head stop on the way out, the reused head stays for later runs."""
    from dojo.cluster.head import LocalHead
    from dojo.watch.runner import Runner

    work_dir = Path(tempfile.mkdtemp(prefix="dojo-watch-"))
    head = runner = lease = None
    try:
        env = dict(os.environ)
        if not address:
            lease = _reused_head(console)
            if lease is not None:
                env["RAY_ADDRESS"] = lease.address
                env["DOJO_REUSED_HEAD"] = "1"  # the runner checks it for an earlier run's leftovers
            else:
                head = LocalHead(num_cpus=ray_runtime.EMBEDDED_CPUS)
                env["RAY_ADDRESS"] = head.address
            env["DOJO_PRIVATE_HEAD"] = "1"  # only this learner's runs use it
            # Our heads use Ray's default token auth; the runner must know before it
            # imports ray, which it does while a head is still starting.
            env.setdefault("RAY_AUTH_MODE", "token")
        runner = Runner(work_dir, env)
        if head:
            console.print(
                f"starting a private Ray head at {head.address} for fast re-runs "
                "(once, a few seconds)…"
            )
            try:
                head.start()
            except (RuntimeError, OSError) as err:  # it exited, never got ready, or no `ray`
                raise CannotWatch(f"could not start a Ray head: {err}") from None
        elif address:
            console.print(f"using the Ray cluster at RAY_ADDRESS={address}")
        runner.wait_imported()
        runner.prepare()
        yield runner
    finally:
        # A second Ctrl-C while stopping must not leave the head running.
        for sig in (*STOP_SIGNALS, signal.SIGINT):
            signal.signal(sig, signal.SIG_IGN)
        if runner is not None:
            runner.close()
        if head is not None:
            head.stop()
        if lease is not None:
            lease.release()  # the head stays for later runs; its idle clock starts now
        shutil.rmtree(work_dir, ignore_errors=True)


def _reused_head(console: Console):
    """The checkout's reused Ray head (dojo/cluster/daemon.py) for this watch, started if need
    be; None, saying why, when it cannot be had (the watch then starts a private head)."""
    from dojo.cluster import daemon

    if not daemon.wanted():
        return None
    console.print("connecting to the dojo's Ray head (starting it once if need be)…")
    try:
        lease = daemon.acquire()
    except (daemon.HeadUnavailable, OSError) as err:
        console.print(f"{err}: starting a private one instead", markup=False, highlight=False)
        return None
    if lease is None:
        console.print("another run is using the dojo's Ray head: starting a private one")
        return None
    console.print(lease.describe(), markup=False, highlight=False)
    return lease


def watch_katas(
    kata: Kata | None,
    console: Console,
    *,
    rotate_minutes: float | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT,
    stay: bool = False,
) -> int:
    """What `dojo watch` and `dojo rotate` do; returns the exit code."""
    from dojo.board.randori import randori_feed
    from dojo.watch.runner import RunnerGone

    katas = catalogue.all_katas()
    kata = kata or first_unsolved(katas)
    if kata is None:
        console.print("[green]Every kata is done.[/green]")
        return 0
    address = os.environ.get("RAY_ADDRESS")
    with _stops_interrupt():
        try:
            _check_can_watch(address)
            with _warm_runner(address, console) as runner:
                watcher = Watcher(
                    kata,
                    runner,
                    console,
                    katas=katas,
                    rotate_every=rotate_minutes * 60 if rotate_minutes else None,
                    time_limit=time_limit,
                    stay=stay,
                    board=randori_feed() if rotate_minutes else None,
                )
                saves = FileSaves(KATAS_DIR)
                try:
                    code = watcher.run(saves)
                finally:
                    saves.close()
                if saves.error:
                    raise CannotWatch(f"stopped watching {KATAS_DIR}: {saves.error}")
                return code
        except CannotWatch as err:
            console.print(str(err), style="red", markup=False, highlight=False)
            return 1
        except KeyboardInterrupt:
            console.print("stopped watching.")
            return 0
        except RunnerGone as err:
            console.print("[red]the dojo's test runner stopped:[/red]")
            console.print(str(err), markup=False, highlight=False)
            return 1
