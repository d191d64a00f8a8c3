"""The reused Ray head (dojo/cluster/daemon.py): the first run starts it, later runs reuse it
and say so, a run at the same time gets a Ray of its own, leftovers of an earlier run never
reach a later one, it stops when idle or told to, and it never touches a head it did not start.

Each test records its head in a folder of its own (DOJO_HEAD_DIR) and stops it at the end, so
nothing here disturbs a learner's head or outlives the test."""

from __future__ import annotations

import json
import os
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
import ray
from dojo.cluster import ray_runtime
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
