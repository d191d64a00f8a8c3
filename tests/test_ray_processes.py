"""The Ray processes the dojo starts never signal a process that is not theirs.

Ray 2.60's raylet, when a worker dies, signals the worker's process group by its saved id
200 ms later; by then the pid may be a new process's, and on this machine (pid_max 32768, a
self-check starting thousands of processes and threads) a grading run lost its test process
to such a SIGKILL mid-test (CI on ea0fcef: "the test process died from SIGKILL during this
test"). tests/robustness/pid_reuse.py makes the coincidence certain: it kills a worker and
hands its pid to a new process that leads its own group, as every grading and watch run
does. Measured before the dojo turned that cleanup off: 6 victims of 6 signalled
(SIGTERM or SIGKILL); after: 0 of 6.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from dojo.paths import REPO_ROOT

NS_LAST_PID = "/proc/sys/kernel/ns_last_pid"
TRIALS = 3

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(
        not os.access(NS_LAST_PID, os.W_OK),
        reason=f"handing a new process a chosen pid needs write access to {NS_LAST_PID} "
        "(root on Linux)",
    ),
]


@pytest.mark.parametrize("runtime", ["embedded", "head"])
def test_a_process_given_a_dead_worker_s_pid_is_not_signalled(runtime, tmp_path):
    out = tmp_path / "codes.json"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    for variable in ("RAY_ADDRESS", "RAY_process_group_cleanup_enabled"):
        env.pop(variable, None)  # the dojo's own setting is under test, not an inherited one
    done = subprocess.run(
        [sys.executable, "-m", "tests.robustness.pid_reuse", runtime, str(TRIALS), str(out)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=100,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    codes = json.loads(out.read_text())
    reused = [code for code in codes if code != "no reuse"]
    assert reused, f"no new process got a dead worker's pid, so nothing was shown: {codes}"
    signalled = [code for code in reused if code is not None]
    assert not signalled, (
        f"{len(signalled)} of {len(reused)} new processes holding a dead Ray worker's pid "
        f"were killed (return codes {signalled}): the raylet signalled a process group that "
        "was no longer its worker's (RAY_process_group_cleanup_enabled must be false for the "
        "Ray processes the dojo starts)"
    )
