"""The reused Ray head (dojo/cluster/daemon.py): the first run starts it, later runs reuse it
and say so, a run at the same time gets a Ray of its own, leftovers of an earlier run never
reach a later one, it stops when idle or told to, and it never touches a head it did not start.

Each test records its head in a folder of its own (DOJO_HEAD_DIR) and stops it at the end, so
nothing here disturbs a learner's head or outlives the test."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from dojo.cluster import daemon
from dojo.paths import REPO_ROOT

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def head_dir(tmp_path, monkeypatch):
    """A head of this test's own, stopped when the test ends, whatever happened."""
    folder = tmp_path / "head"
    monkeypatch.setenv("DOJO_HEAD_DIR", str(folder))
    monkeypatch.delenv("DOJO_NO_DAEMON", raising=False)
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    monkeypatch.delenv("DOJO_PRIVATE_HEAD", raising=False)
    yield folder
    daemon.stop()


def _run(*args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(args, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=90)


def _pytest_kata_1() -> subprocess.CompletedProcess:
    return _run(
        sys.executable, "-m", "pytest", "katas/k01_await_one_ref", "--solutions",
        "-q", "-p", "no:cacheprovider",
    )  # fmt: skip


def test_the_first_run_starts_the_head_and_later_runs_reuse_it(head_dir):
    first = _pytest_kata_1()
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Ray: started the dojo's Ray head at 127.0.0.1:" in first.stdout, first.stdout
    record = daemon.read_record()
    assert record is not None and record.head().is_running()

    second = _pytest_kata_1()
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"Ray: reusing the dojo's Ray head at {record.address}" in second.stdout, second.stdout
    assert "`dojo down`" in second.stdout

    down = _run(sys.executable, "-c", "from dojo.cli import main; main()", "down")
    assert f"stopped the dojo's Ray head at {record.address}" in down.stdout, down.stdout
    assert not record.head().is_running()
    assert daemon.read_record() is None


def test_a_run_while_another_holds_the_head_gets_a_ray_of_its_own(head_dir):
    head_dir.mkdir(parents=True)
    _, _, in_use = daemon._files()
    held = daemon._try_lock(in_use)  # as a run in progress holds it
    try:
        run = _pytest_kata_1()
    finally:
        os.close(held)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Ray: embedded Ray with 2 CPUs (another run is using the dojo's Ray head)" in run.stdout
    assert daemon.read_record() is None, "no head should have been started for it"


LEAVE_A_DETACHED_ACTOR = """
from dojo.cluster import ray_runtime
ray_runtime.prepare_environment()  # before ray is imported, as the dojo's own commands do
import ray
print(ray_runtime.start_or_connect())

@ray.remote(num_cpus=1)
class Squatter:
    def ping(self):
        return 1

squatter = Squatter.options(lifetime="detached", name="squatter").remote()
ray.get(squatter.ping.remote())
ray_runtime.disconnect()
"""

CONNECT = "from dojo.cluster import ray_runtime; print(ray_runtime.start_or_connect())"


def test_a_run_never_meets_what_an_earlier_run_left_behind(head_dir):
    """A detached actor outlives its job and holds a CPU the katas' proofs count on: the next
    run finds the head short of CPUs and gets a fresh one."""
    first = _run(sys.executable, "-c", LEAVE_A_DETACHED_ACTOR)
    assert first.returncode == 0, first.stderr
    assert "started the dojo's Ray head" in first.stdout, first.stdout
    old = daemon.read_record()

    second = _run(sys.executable, "-c", CONNECT)
    assert second.returncode == 0, second.stderr
    new = daemon.read_record()
    assert "started the dojo's Ray head" in second.stdout, second.stdout + second.stderr
    assert new is not None and new.pid != old.pid
    assert not old.head().is_running(), "the head holding the leftover should have been stopped"


def test_an_idle_head_is_stopped_by_its_reaper(head_dir, monkeypatch):
    monkeypatch.setenv("DOJO_HEAD_IDLE_MINUTES", "0.02")  # 1.2 s, read by the reaper
    lease = daemon.acquire()
    assert lease is not None and lease.started_now
    head = lease.record.head()
    time.sleep(2.0)  # idle for longer than allowed, but still in use: it must stay
    assert head.is_running(), "the reaper stopped a head a run was using"
    lease.release()
    deadline = time.monotonic() + 30
    while head.is_running() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not head.is_running(), "an idle head was still running 30 s after its last run"
    assert daemon.read_record() is None


def test_a_record_that_points_at_another_program_stops_nothing(head_dir):
    """A pid can be reused after a reboot or a crash: only a process whose command line names
    the head's own temp dir is ever stopped."""
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        head_dir.mkdir(parents=True)
        record, _, _ = daemon._files()
        fake = {"port": 1, "temp_dir": "/tmp/dojo-ray-gone", "pid": bystander.pid, "started": 0}
        record.write_text(json.dumps(fake))
        assert daemon.stop() is not None
        assert bystander.poll() is None, "dojo down killed a process that was not its head"
    finally:
        bystander.kill()


@pytest.mark.parametrize(
    ("env", "wanted"),
    [
        ({}, True),
        ({"RAY_ADDRESS": "10.0.0.1:6379"}, False),  # the user's own cluster
        ({"DOJO_NO_DAEMON": "1"}, False),  # pytest --no-daemon
        ({"DOJO_PRIVATE_HEAD": "1"}, False),  # dojo watch, grading: a head of their own
    ],
)
def test_which_runs_use_the_reused_head(env, wanted):
    assert daemon.wanted(env) is wanted


def test_a_checkout_that_cannot_keep_a_record_falls_back_to_its_own_ray(tmp_path, monkeypatch):
    """A read-only or odd checkout must not crash the run: it starts its own Ray, saying why."""
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    monkeypatch.setenv("DOJO_HEAD_DIR", str(not_a_folder))
    from dojo.cluster import ray_runtime

    connected, said = ray_runtime._connect_to_reused_head({})
    assert not connected and "cannot be recorded here" in said, said


async def _watch_until_its_first_verdict() -> str:
    """`dojo watch 1` (the stub as shipped: a red verdict), stopped with Ctrl-C after its
    first verdict; what it printed."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from dojo.cli import main; main()", "watch", "1",
        cwd=REPO_ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    seen = ""
    try:
        async with asyncio.timeout(90):
            while "· watching katas/" not in seen:  # the end of its status line
                line = await proc.stdout.readline()
                assert line, f"dojo watch ended early:\n{seen}"
                seen += line.decode()
    finally:
        proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(proc.wait(), 30)
    return seen


async def test_dojo_watch_reuses_the_head_and_leaves_it_for_later_runs(
    head_dir, tmp_path, monkeypatch
):
    monkeypatch.setenv("DOJO_STATE_DIR", str(tmp_path / "state"))  # not the learner's progress
    lease = daemon.acquire()  # a head an earlier run started
    lease.release()
    seen = await _watch_until_its_first_verdict()
    assert f"reusing the dojo's Ray head at {lease.address}" in seen, seen
    assert "0 of 3 tests pass" in seen, seen
    assert lease.record.head().is_running(), "dojo watch stopped the head it reused"
    assert daemon.read_record() == lease.record


async def test_dojo_watch_will_not_judge_on_a_head_an_earlier_run_left_short(
    head_dir, tmp_path, monkeypatch
):
    monkeypatch.setenv("DOJO_STATE_DIR", str(tmp_path / "state"))
    left = _run(sys.executable, "-c", LEAVE_A_DETACHED_ACTOR)
    assert left.returncode == 0, left.stderr
    seen = await _watch_until_its_first_verdict()
    assert "CPUs held by an earlier run" in seen and "dojo down" in seen, seen
    assert "tests pass" not in seen, "a verdict was given on a head short of CPUs"


IMPORTS_RAY_FIRST = """
import ray
from dojo.cluster import ray_runtime
print(ray_runtime.start_or_connect())
print(ray.get(ray.remote(lambda: 7).remote()))
ray_runtime.disconnect()
"""


def test_a_program_that_imported_ray_first_keeps_to_an_embedded_ray(head_dir):
    """Ray reads its auth mode at import: such a program cannot reach the token-auth head,
    and must not be split (a GCS wanting a token its driver never sends hangs 20 s)."""
    env = {k: v for k, v in os.environ.items() if k != "RAY_AUTH_MODE"}
    done = subprocess.run(
        [sys.executable, "-c", IMPORTS_RAY_FIRST], cwd=REPO_ROOT, env=env,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "embedded Ray with 2 CPUs (ray was imported before the dojo" in done.stdout
    assert done.stdout.splitlines()[-1] == "7"
    assert daemon.read_record() is None
