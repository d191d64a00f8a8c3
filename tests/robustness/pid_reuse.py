"""Hand a new process the pid of a Ray worker that just died, and see whether Ray's raylet
signals it: what `tests/test_ray_processes.py` runs, in a process of its own.

    python -m tests.robustness.pid_reuse embedded|head TRIALS OUT.json

Writes one JSON list to OUT.json (Ray's own messages go to stdout): per trial (a worker
killed, a new process given its pid), "no reuse" when the kernel would not hand out the pid
in time, else the new process's return code once the raylet had time to act (null: still
running, left alone).
Needs write access to /proc/sys/kernel/ns_last_pid (root): the next pid the kernel hands
out is the one after the number written there.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from dojo.cluster import ray_runtime

NS_LAST_PID = "/proc/sys/kernel/ns_last_pid"
# The raylet sends SIGTERM when it notices a worker's death, and SIGKILL 200 ms later:
# waiting past both, with room for a loaded machine.
RAYLET_ACTS_WITHIN = 1.5


def _spawn_with_pid(pid: int, within: float = 2.0) -> subprocess.Popen | None:
    """A new process (leading a process group of its own, as a grading or watch run does)
    that got `pid`, or None when the kernel would not give it out in time."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with open(NS_LAST_PID, "w") as last:
            last.write(str(pid - 1))
        proc = subprocess.Popen(["sleep", "60"], start_new_session=True)
        if proc.pid == pid:
            return proc
        proc.kill()
        proc.wait()
    return None


def _trials(ray, count: int) -> list[int | str | None]:
    @ray.remote(num_cpus=0)
    class Worker:
        def pid(self) -> int:
            return os.getpid()

    workers = [Worker.remote() for _ in range(count)]
    pids = ray.get([w.pid.remote() for w in workers])
    victims = []
    for pid in pids:
        os.kill(pid, signal.SIGKILL)  # a worker that crashed...
        victims.append(_spawn_with_pid(pid))  # ...and a new process that got its pid
    time.sleep(RAYLET_ACTS_WITHIN)
    codes = []
    for victim in victims:
        codes.append("no reuse" if victim is None else victim.poll())
        if victim is not None:
            victim.kill()
            victim.wait()
    return codes


def main(mode: str, trials: int, out: Path) -> None:
    if mode == "head":
        # A head the dojo starts (grading slots, the kata plan's shards, the reused head).
        from dojo.cluster.head import LocalHead

        head = LocalHead(num_cpus=1).start()
        os.environ["RAY_ADDRESS"] = head.address
    else:  # the runtime a kata session embeds when there is no head to reuse
        head = None
        os.environ["DOJO_NO_DAEMON"] = "1"
    ray_runtime.prepare_environment()
    import ray

    ray.init(address=head.address if head else "local", num_cpus=None if head else 1,
             include_dashboard=None if head else False)  # fmt: skip
    try:
        out.write_text(json.dumps(_trials(ray, trials)))
    finally:
        ray.shutdown()
        if head:
            head.stop()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]))
