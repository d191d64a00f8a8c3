"""A private `ray start --head`: for cluster-mode checks, `dojo watch`, grading slots, and the
head that later runs of one checkout reuse (dojo/cluster/daemon.py).

Started with its own --temp-dir so no stale cluster record is left for later `ray.init()`
calls, and stopped without `ray stop` (which would end every Ray process on the machine).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from dojo.cluster.ray_runtime import (
    START_ATTEMPTS,
    prepare_ray_processes,
    restore_interrupts,
    start_timed_out,
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ray_executable() -> str:
    beside_python = Path(sys.executable).with_name("ray")
    return str(beside_python) if beside_python.exists() else (shutil.which("ray") or "ray")


class LocalHead:
    """A `ray start --head` of the dojo's own, on 127.0.0.1, with its own temp dir; stopped
    without `ray stop`, so no other Ray on the machine is touched.

    Args:
        num_cpus: CPUs the head offers.
        port: the GCS port (default: a free one).
        env: variables set for the head and so for every worker it starts.
        worker_logs_to_drivers: run Ray's log monitor, which sends what workers print to the
            drivers. A head whose drivers only want verdicts (the kata plan's
            shards) goes without: the monitor re-reads every worker's log file, and with the
            thousands of short-lived actor processes a kata plan starts it cost about 8% of
            the self-check's CPU (202 of 2655 CPU-s in a CI run).

    Examples:
        >>> with LocalHead(num_cpus=2) as head:
        ...     os.environ["RAY_ADDRESS"] = head.address   # drivers connect in ~0.2 s
    """

    def __init__(
        self,
        num_cpus: int = 2,
        port: int | None = None,
        env: dict | None = None,
        worker_logs_to_drivers: bool = True,
    ):
        self.num_cpus = num_cpus
        self.env = env or {}
        self.worker_logs_to_drivers = worker_logs_to_drivers
        self.process: subprocess.Popen | None = None
        self.pid: int | None = None  # of `ray start --block`, once started
        self._new_place(port)

    def _new_place(self, port: int | None = None) -> None:
        """The port and temp dir of a start (each try of start() gets fresh ones)."""
        self.port = port or _free_port()
        # Short path: Ray's unix sockets live under it and have a ~100 character limit.
        self.temp_dir = tempfile.mkdtemp(prefix="dojo-ray-", dir="/tmp")
        self.log_path = Path(self.temp_dir, "head.log")

    @classmethod
    def attach(cls, port: int, temp_dir: str, pid: int) -> LocalHead:
        """The head another process started (its port, temp dir and `ray start` pid), to
        check on or stop from here."""
        head = cls.__new__(cls)
        head.num_cpus, head.port, head.temp_dir, head.pid = 0, port, temp_dir, pid
        head.env = {}
        head.process = None
        head.log_path = Path(temp_dir, "head.log")
        return head

    def is_running(self) -> bool:
        """Its `ray start` process is alive (and is this head's: the pid was not reused)."""
        try:
            process = psutil.Process(self.pid) if self.pid else None
            return bool(process) and any(self.temp_dir in p for p in process.cmdline())
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            return False

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, ready_within: float = 60) -> LocalHead:
        """Start the head; a start that failed only because the machine was too busy
        (ray_runtime.start_timed_out) is tried again, on a fresh port."""
        for attempt in range(START_ATTEMPTS):
            try:
                return self._start_once(ready_within)
            except RuntimeError as error:
                if not start_timed_out(str(error)) or attempt + 1 == START_ATTEMPTS:
                    raise
                self.stop()  # its leftovers, and its temp dir
                self._new_place()
        raise AssertionError("unreachable")

    def _start_once(self, ready_within: float) -> LocalHead:
        cmd = [
            _ray_executable(), "start", "--head", "--block",
            f"--num-cpus={self.num_cpus}", f"--port={self.port}",
            f"--temp-dir={self.temp_dir}", "--include-dashboard=false",
            "--disable-usage-stats",
            f"--include-log-monitor={self.worker_logs_to_drivers}",
        ]  # fmt: skip
        env = {**os.environ, **self.env}
        prepare_ray_processes(env)
        # Its workers inherit how SIGINT is handled, and ray.cancel needs it not ignored.
        restore_interrupts()
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env
            )
        self.pid = self.process.pid
        deadline = time.monotonic() + ready_within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"ray start --head exited:\n{self.log_path.read_text()}")
            if "Ray runtime started" in self.log_path.read_text(errors="replace"):
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"ray start --head not ready in {ready_within} s")

    def _leftover_pids(self) -> list[int]:
        """Processes of this head still running: their command line names its own temp dir.
        (psutil, not /proc: the dojo runs on macOS too.)"""
        pids = []
        for process in psutil.process_iter(["pid", "cmdline"]):
            if process.info["pid"] == os.getpid():
                continue
            if any(self.temp_dir in part for part in process.info["cmdline"] or ()):
                pids.append(process.info["pid"])
        return pids

    def stop(self, grace: float = 10) -> None:
        # TERM to `ray start --block` alone: it drains and stops its children in ~2 s.
        # (TERM to the whole group at once leaves it waiting on them far longer.)
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        elif self.process is None and self.is_running():  # attached: not our child
            process = psutil.Process(self.pid)
            process.terminate()
            _, alive = psutil.wait_procs([process], timeout=grace)
            if alive:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.pid, signal.SIGKILL)
        deadline = time.monotonic() + 3
        while self._leftover_pids() and time.monotonic() < deadline:
            time.sleep(0.2)
        for pid in self._leftover_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(self.temp_dir, ignore_errors=True)

    def __enter__(self) -> LocalHead:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
