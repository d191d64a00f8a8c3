"""The self-check's kata plan runs in the background (tests/kata_plan.py): a session that ends
before it does (Ctrl-C, -x, a crash) must not leave its shards or their Ray heads running.

The plan is stopped inside a process of its own, so that what it started can be told apart
from the processes of the self-check's own plan, which may be running meanwhile."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dojo.paths import REPO_ROOT

STOPPED_WITHIN = 30.0  # s: each head takes ~2 s to stop; a shard is killed at once

STOP_A_RUNNING_PLAN = """
import json, time
import psutil
from dojo.kata.catalogue import find
from dojo.kata.verify import plan_for
from tests.kata_plan import BackgroundPlan

def command_line(process):
    # A child may end, or be a zombie not yet reaped, between listing it and reading it.
    try:
        return " ".join(process.cmdline())
    except psutil.Error:
        return ""

plan = BackgroundPlan(plan_for([find(16)]))  # minutes of tests: still running when stopped
me = psutil.Process()
plan.start()
started, deadline = [], time.monotonic() + 60
while time.monotonic() < deadline and not started:
    time.sleep(0.2)
    mine = me.children(recursive=True)
    if any("pytest" in command_line(p) for p in mine):
        started = mine
log_monitor = any("log_monitor" in command_line(p) for p in started)  # read while it runs
stopping = time.monotonic()
plan.stop()
took = time.monotonic() - stopping
_, alive = psutil.wait_procs(started, timeout=5)
try:
    plan.result()
    reported = "a verdict"
except RuntimeError as error:
    reported = str(error)[:200]
print(json.dumps({"shard_seen": bool(started), "took": took,
                  "log_monitor": log_monitor,
                  "alive": [command_line(p)[:200] for p in alive], "reported": reported}))
"""


@pytest.mark.timeout(150)
def test_a_plan_stopped_early_leaves_nothing_running():
    run = subprocess.run(
        [sys.executable, "-c", STOP_A_RUNNING_PLAN],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=140,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["shard_seen"], "the plan's shard never started"
    assert seen["took"] < STOPPED_WITHIN, seen
    # Nobody reads what the plan's workers print, and re-reading thousands of worker logs
    # cost ~8% of a self-check's CPU: the shards' heads run no log monitor.
    assert not seen["log_monitor"], "the plan's head sends its workers' logs to the drivers"
    assert not seen["alive"], f"still running after stop(): {seen['alive']}"
    # What was cut short is reported as not run, not passed off as a verdict.
    assert "did not run" in seen["reported"], seen


def test_heavy_files_run_after_the_plan_and_the_rest_beside_it():
    from types import SimpleNamespace

    from tests import conftest

    for path in conftest.AFTER_THE_PLAN:  # a renamed file would silently run beside the plan
        assert (REPO_ROOT / path).is_file(), path
    names = ["tests/test_bench.py::t", "tests/test_katas.py::t", "tests/test_cli.py::t"]
    items = [SimpleNamespace(nodeid=name) for name in names]
    conftest.pytest_collection_modifyitems(None, None, items)
    assert [item.nodeid for item in items] == [names[2], names[1], names[0]]
    alone = [SimpleNamespace(nodeid=name) for name in (names[0], names[2])]
    conftest.pytest_collection_modifyitems(None, None, alone)  # no plan: the order stays
    assert [item.nodeid for item in alone] == [names[0], names[2]]
