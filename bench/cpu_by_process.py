"""Where a command's CPU goes, by kind of process: the self-check's budget (issue 13).

    .venv/bin/python bench/cpu_by_process.py -- ./.ci/run          # the whole self-check
    .venv/bin/python bench/cpu_by_process.py --top 25 -- .venv/bin/dojo verify 21

Runs the command and, every --every seconds, reads the CPU time of every process on the
machine that descends from it (Ray's daemons and workers included: this process becomes their
"subreaper", so the ones that are orphaned stay its descendants, and are reaped here as they
end). Each process is labelled by what it is: an actor's process by its class (`ray::Fetcher`
from its title `ray::Fetcher.work`), a pooled task worker by the last task it ran (so one
worker's whole life may show under one task's name), Ray's daemons by name, the rest by
program. A process that lives less than one sampling period is missed, and a process's last
moments after its last sample too: the totals are a lower bound. (The kernel's own count for
reaped children, getrusage, is no better: it misses every process reaped without being
waited for.) Numbers only.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import subprocess
import sys
import time
from collections import defaultdict

import psutil

_PR_SET_CHILD_SUBREAPER = 36

# Ray's daemons, recognised by a piece of their command line.
_DAEMONS = {
    "dashboard/agent.py": "ray dashboard agent",
    "runtime_env/agent/main.py": "ray runtime_env agent",
    "log_monitor.py": "ray log monitor",
    "dashboard/dashboard.py": "ray dashboard",
    "autoscaler/_private/monitor.py": "ray monitor",
    "ray/_private/workers/default_worker.py": "ray worker (starting)",
}


def label(name: str, cmdline: list[str]) -> str:
    head = cmdline[0] if cmdline else name
    if head.startswith("ray::"):
        # `ray::Fetcher.work`, `ray::IDLE`, `ray::_QueueActor.get`: the class or task.
        return "ray::" + head[5:].split(".")[0].split(":")[0].split(" ")[0]
    if name in ("raylet", "gcs_server"):
        return f"ray {name}"
    joined = " ".join(cmdline)
    for piece, what in _DAEMONS.items():
        if piece in joined:
            return what
    if "pytest" in joined:
        return "pytest"
    if any(part.endswith("/dojo") for part in cmdline[:2]):
        return "dojo CLI"
    return name


class Sampler:
    def __init__(self):
        self.cpu: dict[tuple[int, float], float] = {}
        self.labels: dict[tuple[int, float], str] = {}

    def _ours(self, proc: psutil.Process) -> bool:
        try:
            return any(parent.pid == os.getpid() for parent in proc.parents())
        except psutil.Error:
            return False

    def sample(self) -> None:
        for proc in psutil.process_iter(["name", "cmdline", "cpu_times", "create_time"]):
            info = proc.info
            if info["cpu_times"] is None or not self._ours(proc):
                continue
            key = (proc.pid, info["create_time"])
            self.cpu[key] = info["cpu_times"].user + info["cpu_times"].system
            seen = label(info["name"] or "", info["cmdline"] or [])
            if seen != "ray::IDLE" or key not in self.labels:
                self.labels[key] = seen

    def by_label(self) -> dict[str, tuple[int, float]]:
        groups: dict[str, list[float]] = defaultdict(list)
        for key, cpu in self.cpu.items():
            groups[self.labels[key]].append(cpu)
        return {what: (len(cpus), sum(cpus)) for what, cpus in groups.items()}


def _reap(but: int | None = None) -> None:
    """Orphaned descendants are ours now: collect the ones that ended (but `but`, the command
    itself, which Popen waits for), so that the kernel adds their CPU to this process's
    children's, and none stays a zombie (a test that waits for its processes to be gone would
    wait for ever: tests/test_crawl_resume.py failed so under an earlier version of this)."""
    for child in psutil.Process().children():
        if child.pid == but:
            continue
        try:
            if child.status() == psutil.STATUS_ZOMBIE:
                os.waitpid(child.pid, os.WNOHANG)
        except (psutil.Error, ChildProcessError):
            pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=float, default=0.5, help="seconds between samples")
    parser.add_argument("--top", type=int, default=30, help="rows shown")
    parser.add_argument("command", nargs="+", help="the command to run (after --)")
    args = parser.parse_args()

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    started = time.monotonic()
    child = subprocess.Popen(args.command)
    sampler = Sampler()
    while child.poll() is None:
        sampler.sample()
        _reap(but=child.pid)
        time.sleep(args.every)
    # Ray's daemons may outlive the command a moment: follow them until they are gone.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and psutil.Process().children(recursive=True):
        sampler.sample()
        _reap()
        time.sleep(args.every)
    _reap()
    wall = time.monotonic() - started

    rows = sorted(sampler.by_label().items(), key=lambda row: -row[1][1])
    seen = sum(cpu for _, cpu in sampler.by_label().values())
    print(f"\n{' '.join(args.command)}: exit {child.returncode}, wall {wall:.0f} s")
    print(
        f"CPU seen: {seen:.1f} s ({seen / wall:.2f} of the {os.cpu_count()} cores here on "
        "average; processes living under one sampling period not counted)"
    )
    print(f"{'process':32} {'count':>6} {'CPU s':>8} {'share':>6} {'per process':>11}")
    for what, (count, cpu) in rows[: args.top]:
        share = cpu / seen if seen else 0.0
        print(f"{what[:32]:32} {count:6d} {cpu:8.1f} {share:6.1%} {cpu / count:11.2f}")
    if len(rows) > args.top:
        rest = rows[args.top :]
        print(f"... and {len(rest)} more kinds: {sum(cpu for _, (_, cpu) in rest):.1f} s")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return child.returncode


if __name__ == "__main__":
    sys.exit(main())
