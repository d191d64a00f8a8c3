"""The Ray head a checkout's runs reuse: started on first need, stopped after an idle period.

Starting Ray costs about 3 s and stopping it 1.6 s, more than most katas' tests take; connecting
to a running head costs 0.03-0.3 s. So a run with no RAY_ADDRESS (a `pytest katas/...`) asks
for the checkout's head (the pattern of the Gradle daemon):

* the first run starts it (`ray start --head`, 2 CPUs, on 127.0.0.1: dojo.cluster.head) and
  a small reaper process that stops it after IDLE_MINUTES without a run (`dojo down` stops it
  at once; a deleted checkout stops it too);
* later runs connect to it, each as a Ray job of its own, in a namespace of its own: a
  learner's actors and tasks end with their run and never meet another run's;
* a run holds the head alone, by an exclusive lock kept for the run's lifetime: the katas'
  proofs count the head's 2 CPUs, so a second run at the same time starts its own Ray as
  before (and says so);
* one head per checkout and user: its record is .dojo/head-<uid>.json in the checkout
  (DOJO_HEAD_DIR moves it: tests). Only the process recorded there is ever stopped, after
  checking that its command line names the head's own temp dir: a head the dojo did not start
  is never touched.

DOJO_NO_DAEMON=1 (pytest --no-daemon) keeps the old way: every run starts and stops its own Ray.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from dojo import paths
from dojo.cluster import ray_runtime
from dojo.cluster.head import LocalHead

# How long the head may sit unused before the reaper stops it.
IDLE_MINUTES = float(os.environ.get("DOJO_HEAD_IDLE_MINUTES", "15"))
# Seconds between two looks of the reaper: a few per idle period, and never idle for long.
REAPER_POLL = min(5.0, IDLE_MINUTES * 60 / 4)
CPUS = 2  # as the embedded runtime: the katas' proofs are sized for a 2-CPU cluster


class HeadUnavailable(RuntimeError):
    """The checkout's head could not be started; the run starts its own Ray instead."""


def wanted(env=os.environ) -> bool:
    """Should this run use the checkout's head? Not with a cluster of the user's
    (RAY_ADDRESS), not when told not to (DOJO_NO_DAEMON), and not for a run that has a head
    of its own (DOJO_PRIVATE_HEAD: `dojo watch`, grading)."""
    return not (env.get("RAY_ADDRESS") or env.get("DOJO_NO_DAEMON") or env.get("DOJO_PRIVATE_HEAD"))


def head_dir() -> Path:
    """Where the checkout's head is recorded: not DOJO_STATE_DIR, which tests point at many
    throwaway folders (each would start a head of its own)."""
    return Path(os.environ.get("DOJO_HEAD_DIR") or paths.REPO_ROOT / ".dojo")


def _files() -> tuple[Path, Path, Path]:
    """The head's record, the lock taken while starting or stopping it, and the lock a run
    holds while it uses the head (its mtime is when the head was last used)."""
    stem = head_dir() / f"head-{os.getuid()}"
    return stem.with_suffix(".json"), stem.with_suffix(".lock"), stem.with_suffix(".in-use")


@contextlib.contextmanager
def _locked(path: Path):
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _try_lock(path: Path) -> int | None:
    """An exclusive lock on `path` if nobody holds it (its file descriptor), else None."""
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _answers(address: str) -> bool:
    try:
        ray_runtime.check_reachable(address, timeout=1.0)
    except ray_runtime.ClusterUnreachable:
        return False
    return True


@dataclass
class Record:
    """What a later run (or the reaper, or `dojo down`) needs to find the head again."""

    port: int
    temp_dir: str
    pid: int
    started: float
    # The PYTHONPATH its workers start with: a run that needs no other connects without a
    # runtime_env, so its tasks and actors take the head's idle workers (~0.4 s sooner each).
    pythonpath: str = ""

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def head(self) -> LocalHead:
        return LocalHead.attach(self.port, self.temp_dir, self.pid)


def read_record() -> Record | None:
    record, _, _ = _files()
    try:
        data = json.loads(record.read_text())
        return Record(
            int(data["port"]),
            str(data["temp_dir"]),
            int(data["pid"]),
            data["started"],
            str(data.get("pythonpath", "")),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None  # none yet, or torn: treated as no head (a stale one is stopped below)


def _write_record(rec: Record) -> None:
    record, _, _ = _files()
    scratch = record.with_suffix(".json.new")
    scratch.write_text(json.dumps(rec.__dict__))
    scratch.replace(record)  # whole or not at all


@dataclass
class Lease:
    """This run's use of the head, held until `release()` (or the process's end)."""

    record: Record
    started_now: bool
    _fd: int | None

    @property
    def address(self) -> str:
        return self.record.address

    def describe(self) -> str:
        if self.started_now:
            how = f"started the dojo's Ray head at {self.address} for this and later runs"
        else:
            age = (time.time() - self.record.started) / 60
            how = f"reusing the dojo's Ray head at {self.address} (up {age:.0f} min)"
        return f"{how}; it stops after {IDLE_MINUTES:g} idle minutes (`dojo down`: now)"

    def release(self) -> None:
        if self._fd is None:
            return
        _, _, in_use = _files()
        with contextlib.suppress(OSError):
            os.utime(in_use)  # the idle clock starts now
        os.close(self._fd)  # and with it the lock
        self._fd = None


def acquire(ready_within: float = 60) -> Lease | None:
    """The checkout's head for this run, started if none is running; None when another run
    is using it. HeadUnavailable when it cannot be started."""
    head_dir().mkdir(parents=True, exist_ok=True)
    _, start_lock, in_use = _files()
    with _locked(start_lock):
        fd = _try_lock(in_use)
        if fd is None:
            return None
        os.utime(in_use)
        try:
            rec = read_record()
            if rec and rec.head().is_running() and _answers(rec.address):
                return Lease(rec, started_now=False, _fd=fd)
            if rec:
                rec.head().stop()  # half dead: whatever is left of it goes
            return Lease(_start(ready_within), started_now=True, _fd=fd)
        except BaseException:
            os.close(fd)
            raise


def _start(ready_within: float) -> Record:
    pythonpath = ray_runtime.worker_pythonpath()
    head = LocalHead(num_cpus=CPUS, env={"PYTHONPATH": pythonpath})
    try:
        head.start(ready_within=ready_within)
    except (RuntimeError, OSError) as err:
        raise HeadUnavailable(f"could not start the dojo's Ray head: {err}") from None
    rec = Record(head.port, head.temp_dir, head.pid, time.time(), pythonpath)
    _write_record(rec)
    with open(Path(rec.temp_dir, "reaper.log"), "w") as log:
        subprocess.Popen(
            [sys.executable, "-m", "dojo.cluster.daemon", "reap", str(rec.pid)],
            cwd=paths.REPO_ROOT,
            env={**os.environ, "DOJO_HEAD_DIR": str(head_dir())},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,  # the terminal's Ctrl-C is for the run, not the reaper
        )
    return rec


def stop() -> Record | None:
    """Stop the checkout's head now, whether or not a run is using it (`dojo down`).
    Returns the record of the head stopped, None when there was none."""
    record, start_lock, _ = _files()
    if not record.parent.is_dir():
        return None
    with _locked(start_lock):
        rec = read_record()
        if rec is None:
            return None
        record.unlink(missing_ok=True)  # first: no run connects to a head on its way out
        rec.head().stop()
        return rec


def reap(pid: int, poll: float = REAPER_POLL) -> None:
    """The reaper's loop: stop the head recorded with `pid` once it has been idle for
    IDLE_MINUTES, or its checkout is gone; end when the head is no longer that one."""
    record, start_lock, in_use = _files()
    mine = read_record()
    if mine is None or mine.pid != pid:
        return
    while True:
        time.sleep(poll)
        if not paths.REPO_ROOT.is_dir():
            mine.head().stop()  # the checkout was deleted: nobody will come back for it
            return
        if read_record() != mine:
            return  # stopped by `dojo down`, or replaced: no longer ours to watch
        with _locked(start_lock):
            if not mine.head().is_running():
                record.unlink(missing_ok=True)
                mine.head().stop()  # what is left of it
                return
            fd = _try_lock(in_use)
            if fd is None:
                continue  # a run is using it
            try:
                if time.time() - in_use.stat().st_mtime >= IDLE_MINUTES * 60:
                    record.unlink(missing_ok=True)
                    mine.head().stop()
                    return
            finally:
                os.close(fd)


if __name__ == "__main__":
    if sys.argv[1:2] == ["reap"]:
        reap(int(sys.argv[2]))
