"""The per-learner sandbox of `dojo grade` (dojo/grade/sandbox.py) holds what it promises.

Most proofs run a small Python program inside a `Jail` built exactly as a learner's pytest
is (same binds, environment and limits): code in kata.py runs with nothing more than this.
One test grades a class sandboxed, through real Ray, end to end. Tests that need
bubblewrap skip, saying why, where it cannot run (macOS, a container without namespaces).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from dojo.grade import class_run as grade
from dojo.grade import sandbox, seccomp
from dojo.grade.capture import CappedOutput
from dojo.grade.learner_run import Limits
from dojo.kata.catalogue import find
from dojo.paths import REPO_ROOT

SUBMISSIONS = Path(__file__).parent / "submissions"
K01 = find(1)
UNAVAILABLE = sandbox.available()
needs_sandbox = pytest.mark.skipif(
    UNAVAILABLE is not None, reason=f"no sandbox on this machine: {UNAVAILABLE}"
)


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return [pid for pid in found if pid != os.getpid()]


def _holds(folder: Path, marker: str) -> bool:
    """Does a kata.py under folder hold marker? (Folders may vanish while we look.)"""
    try:
        return any(marker in p.read_text() for p in folder.rglob("kata.py"))
    except OSError:
        return False


def _gone(marker: str, patience: float = 10.0) -> bool:
    deadline = time.monotonic() + patience
    while _processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not _processes_with(marker)


@pytest.fixture(scope="module")
def grading_tmp(tmp_path_factory) -> Path:
    """A grader's temporary folder: the repository copy, two learners' staging folders."""
    tmp = tmp_path_factory.mktemp("dojo-grade-")
    sandbox.make_repo_copy(tmp / "repo")
    for index in ("0", "1"):
        (tmp / index / "dojo_learner" / K01.slug).mkdir(parents=True)
        (tmp / index / "dojo_learner" / K01.slug / "kata.py").write_text(f"SECRET = {index}\n")
    return tmp


def run_inside(tmp: Path, program: str, limits: Limits | None = None, patience: float = 60.0):
    """Run `program` as learner 0's code would run: returns (exit code, output)."""
    limits = limits or Limits()
    isolation = sandbox.Isolation(tmp / "repo", None)
    events = tmp / "0" / "events.jsonl"
    events.touch()
    jail = sandbox.Jail(uuid.uuid4().hex[:8], isolation, limits, staging=tmp / "0",
                        writable=[events])  # fmt: skip
    try:
        proc = jail.start([sys.executable, "-c", textwrap.dedent(program)], {})
        output = CappedOutput(proc.stdout)
        code = proc.wait(timeout=patience)
    finally:
        jail.close()
    return code, output.text()


# -- what the sandbox lets a learner see and touch ------------------------------------------


@needs_sandbox
def test_solutions_tests_and_classmates_are_not_there(grading_tmp):
    learner_1 = grading_tmp / "1" / "dojo_learner" / K01.slug / "kata.py"
    hidden = [
        REPO_ROOT / "solutions" / K01.slug / "kata.py",
        REPO_ROOT / "tests" / "test_grade.py",
        REPO_ROOT / ".git" / "HEAD",
        SUBMISSIONS / "correct" / K01.slug / "kata.py",
        learner_1,
        grading_tmp / "repo" / "solutions",
        Path("/etc/shadow"),
    ]
    code, out = run_inside(grading_tmp, f"""
        import os
        for path in {[str(p) for p in hidden]!r}:
            print(path, "visible" if os.path.exists(path) else "hidden")
        import dojo, katas
        print("dojo from", dojo.__file__)
        print("katas from", katas.__file__)
    """)  # fmt: skip
    assert code == 0, out
    for path in hidden:
        assert f"{path} hidden" in out
    copy = grading_tmp / "repo"
    assert f"dojo from {copy}/dojo/__init__.py" in out
    assert f"katas from {copy}/katas/__init__.py" in out


@needs_sandbox
def test_only_the_event_log_and_the_private_tmp_are_writable(grading_tmp):
    targets = {
        "the repository copy": grading_tmp / "repo" / "katas" / K01.slug / "test_kata.py",
        "a new conftest": grading_tmp / "repo" / "conftest2.py",
        "its own staging folder": grading_tmp / "0" / "planted.py",
        "its own kata.py": grading_tmp / "0" / "dojo_learner" / K01.slug / "kata.py",
        "the venv": Path(sys.prefix) / "lib" / "planted.pth",
        "the work folder": REPO_ROOT / "planted.txt",
        "a sysctl": Path("/proc/sys/kernel/hostname"),
    }
    named = {name: str(path) for name, path in targets.items()}
    code, out = run_inside(grading_tmp, f"""
        targets = {named!r}
        for name, path in targets.items():
            try:
                with open(path, "a") as f:
                    f.write("x")
                print(name, "WRITTEN")
            except OSError as err:
                print(name, "refused", type(err).__name__)
        with open({str(grading_tmp / "0" / "events.jsonl")!r}, "a") as f:
            f.write("{{}}\\n")
        with open("/tmp/scratch", "w") as f:
            f.write("ok")
        print("event log and /tmp written")
        print(open("/proc/self/status").read())
    """)  # fmt: skip
    assert code == 0, out
    for name, path in targets.items():
        # A clone under /tmp (CI) has its work folder inside the sandbox's private /tmp: a
        # write lands there and vanishes with it. The real file must never appear.
        private = path.is_relative_to("/tmp") and f"{name} WRITTEN" in out
        assert f"{name} refused" in out or private, out
        assert name == "a sysctl" or not path.exists() or path.read_bytes()[-1:] != b"x", name
    assert "event log and /tmp written" in out
    assert "CapEff:\t0000000000000000" in out, "the sandbox must hold no capability"
    assert (grading_tmp / "0" / "events.jsonl").read_text() == "{}\n"
    assert not (grading_tmp / "0" / "planted.py").exists()


@needs_sandbox
def test_a_300_mib_file_is_refused(grading_tmp):
    code, out = run_inside(grading_tmp, """
        block = b"x" * 2**20
        try:
            with open("/tmp/big", "wb") as f:
                for _ in range(300):
                    f.write(block)
            print("WROTE 300 MiB")
        except OSError as err:
            print("refused", err)
    """)  # fmt: skip
    assert code == 0 and "refused" in out and "File too large" in out, out


@needs_sandbox
@pytest.mark.skipif(seccomp.program() is None, reason="no seccomp filter for this architecture")
def test_no_key_store_and_no_disk_reservations_beyond_the_file_size_limit(grading_tmp):
    # Keys would outlive the sandbox in the grader's own keyring (a channel to later
    # learners); fallocate(KEEP_SIZE) on the event log would reserve host disk unseen by
    # RLIMIT_FSIZE. Growing a file with fallocate (mode 0) stays allowed: Ray may.
    code, out = run_inside(grading_tmp, f"""
        import ctypes, os
        libc = ctypes.CDLL(None, use_errno=True)
        add_key = {{"x86_64": 248, "aarch64": 217}}[os.uname().machine]
        key = libc.syscall(add_key, b"user", b"dojo-sandbox-test", b"x", 1, ctypes.c_int(-4))
        print("add_key", key, os.strerror(ctypes.get_errno()))
        fd = os.open("{grading_tmp}/0/events.jsonl", os.O_WRONLY)
        kept = libc.fallocate(fd, 1, ctypes.c_long(0), ctypes.c_long(64 << 20))
        print("keep-size", kept, os.strerror(ctypes.get_errno()))
        grown = libc.fallocate(os.open("/tmp/grow", os.O_CREAT | os.O_WRONLY), 0,
                               ctypes.c_long(0), ctypes.c_long(1 << 20))
        print("grow", grown)
    """)  # fmt: skip
    assert code == 0, out
    assert "add_key -1 Operation not permitted" in out, out
    assert "keep-size -1 Operation not permitted" in out, out
    assert "grow 0" in out, out
    assert "dojo-sandbox-test" not in Path("/proc/keys").read_text()


@needs_sandbox
def test_the_network_is_loopback_only(grading_tmp):
    code, out = run_inside(grading_tmp, """
        import socket
        for host in ("1.1.1.1", "8.8.8.8", "10.0.0.1"):
            try:
                socket.create_connection((host, 53), timeout=3).close()
                print(host, "REACHED")
            except OSError as err:
                print(host, "unreachable", err)
        server = socket.create_server(("127.0.0.1", 0))
        socket.create_connection(server.getsockname(), timeout=3).close()
        print("loopback works")
    """)  # fmt: skip
    assert code == 0, out
    assert "REACHED" not in out and out.count("Network is unreachable") == 3
    assert "loopback works" in out


# -- nothing survives ---------------------------------------------------------------------------


@needs_sandbox
def test_daemons_and_double_forks_die_with_the_run(grading_tmp):
    marker = f"dojo-daemon-{uuid.uuid4().hex}"
    code, out = run_inside(grading_tmp, f"""
        import os, subprocess, sys
        sleeper = [sys.executable, "-c", "import time; time.sleep(300)", {marker!r}]
        subprocess.Popen(sleeper, start_new_session=True)  # a daemon of its own session
        if os.fork() == 0:  # a double fork, reparented to the sandbox's init
            os.setsid()
            if os.fork() == 0:
                os.execv(sys.executable, sleeper)
            os._exit(0)
        print("started")
    """)  # fmt: skip
    assert code == 0 and "started" in out, out
    assert _gone(marker), f"left behind: {_processes_with(marker)}"


@needs_sandbox
@pytest.mark.timeout(60)
def test_killing_the_grader_kills_its_sandboxes(grading_tmp):
    marker = f"dojo-orphan-{uuid.uuid4().hex}"
    grader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import sys, time
            from pathlib import Path
            from dojo.grade import sandbox
            from dojo.grade.learner_run import Limits
            tmp = Path({str(grading_tmp)!r})
            jail = sandbox.Jail("orphan", sandbox.Isolation(tmp / "repo", None), Limits(),
                                staging=tmp / "0")
            jail.start([sys.executable, "-c", "import time; time.sleep(300)", {marker!r}], {{}})
            print("started", flush=True)
            time.sleep(300)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert grader.stdout.readline().strip() == "started"
        assert _processes_with(marker), "the sandboxed process did not start"
    finally:
        grader.send_signal(signal.SIGKILL)
        grader.wait()
    assert _gone(marker), "a sandbox outlived its grader (dojo/grade/lifeline.py)"
    sandbox.sweep_stale_cgroups()
    own = sandbox._own_cgroups()
    for controller in ("pids", "memory"):
        parent = sandbox._v1_parent(controller, own)
        if parent:
            assert not list(parent.glob(f"{sandbox.CGROUP_PREFIX}{grader.pid}-*"))


# -- limits -------------------------------------------------------------------------------------


def _held(limits: Limits) -> list[str]:
    probe = sandbox.make_cgroup(f"{sandbox.CGROUP_PREFIX}{os.getpid()}-test", limits)
    probe.remove()
    return probe.held


@needs_sandbox
def test_the_process_count_is_limited(grading_tmp):
    limits = dataclasses.replace(Limits(), processes=40)
    if "processes" not in _held(limits):
        pytest.skip("no writable pids cgroup here")
    _, out = run_inside(grading_tmp, """
        import subprocess
        started = []
        try:
            for _ in range(100):
                started.append(subprocess.Popen(["sleep", "30"]))
            print("STARTED 100")
        except OSError as err:
            print("refused after", len(started), type(err).__name__)
    """, limits)  # fmt: skip
    assert "refused after" in out, out
    assert int(out.split("refused after")[1].split()[0]) < 40


@needs_sandbox
def test_memory_is_limited(grading_tmp):
    limits = dataclasses.replace(Limits(), memory=200 * 2**20)
    if "memory" not in _held(limits):
        pytest.skip("no writable memory cgroup here")
    code, out = run_inside(grading_tmp, """
        hog = bytearray(600 * 2**20)
        for i in range(0, len(hog), 4096):
            hog[i] = 1  # touch every page, so it is really used
        print("ALLOCATED 600 MiB")
    """, limits)  # fmt: skip
    assert "ALLOCATED" not in out and code != 0, out


# -- what is said -------------------------------------------------------------------------------


def test_the_banner_says_sandboxed_or_unsandboxed(monkeypatch):
    limits = Limits()
    assert sandbox.describe(None, limits).startswith("sandboxed: one bubblewrap sandbox")
    line = sandbox.describe("bubblewrap needs Linux (this is darwin)", limits)
    assert line.startswith("UNSANDBOXED (bubblewrap needs Linux (this is darwin))")
    assert "files up to 256 MiB" in line and "8192 open files" in line
    monkeypatch.setenv(sandbox.SWITCH, "off")
    assert sandbox.available() == f"turned off by {sandbox.SWITCH}=off"
    assert "shared cluster" in sandbox.reason_for("127.0.0.1:6379")


def test_output_is_capped_at_its_head_and_tail():
    read, write = os.pipe()
    with os.fdopen(read, "rb", buffering=0) as stream:
        captured = CappedOutput(stream, keep=1000)
        with os.fdopen(write, "wb") as writer:
            writer.write(b"A" * 1000 + b"B" * 10**6 + b"C" * 1000)
        text = captured.text()
    assert text.startswith("A" * 1000) and text.endswith("C" * 1000)
    assert f"[… {10**6} bytes of output cut …]" in text
    assert len(text) < 2100


@needs_sandbox
def test_the_command_says_it_is_sandboxed(tmp_path):
    # A learner whose kata needs no run: the banner and the wiring, without starting Ray.
    (tmp_path / "class" / "eve").mkdir(parents=True)
    (tmp_path / "class" / "eve" / K01.slug).mkdir()
    (tmp_path / "class" / "eve" / K01.slug / "kata.py").write_text("def broken(:\n")
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    result = subprocess.run(
        [sys.executable, "-c", "from dojo.cli import main; main()", "grade", "class", "-k", "1"],
        cwd=tmp_path, env={**env, "COLUMNS": "200"}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "sandboxed: one bubblewrap sandbox per learner" in result.stdout
    assert "UNSANDBOXED" not in result.stdout


# -- a class graded in sandboxes, through Ray ------------------------------------------------


LEAKY = """
import os, subprocess, sys

import ray

from katas.k01_await_one_ref.kata import fetch_greeting

MARKER = "{marker}"


@ray.remote
class DojoLeakActor:
    def ping(self):
        return MARKER


def _leave_things_behind():
    # Once per process: a daemon of its own session and a detached actor holding a worker.
    if not os.environ.get("DOJO_LEAK_DONE"):
        os.environ["DOJO_LEAK_DONE"] = "1"
        sleeper = [sys.executable, "-c", "import time; time.sleep(600)", MARKER]
        subprocess.Popen(sleeper, start_new_session=True)
        DojoLeakActor.options(name=MARKER, lifetime="detached").remote()


async def greet(name: str, delay: float = 1.0) -> str:
    _leave_things_behind()
    return await fetch_greeting.remote(name, delay)
"""


@needs_sandbox
@pytest.mark.timeout(600, func_only=False)
def test_a_sandboxed_class_is_graded_and_leaves_nothing_behind(tmp_path):
    marker = f"dojo-leak-{uuid.uuid4().hex}"
    (tmp_path / "leaky" / K01.slug).mkdir(parents=True)
    (tmp_path / "leaky" / K01.slug / "kata.py").write_text(LEAKY.format(marker=marker))
    shutil.copytree(SUBMISSIONS / "correct", tmp_path / "correct")
    learners = grade.learners_from([tmp_path / "correct", tmp_path / "leaky"])
    before = set(Path("/tmp").glob("dojo-grade-*"))
    grades = {g.learner.name: g for g in grade.grade_all(learners, [K01], jobs=2)}
    correct = grades["correct"]
    assert correct.status == "pass" and correct.points == 1, correct.message
    leaked = grades["leaky"]
    assert leaked.status == "pass", leaked.message  # leaking is not wrong, it is cleaned up
    assert _gone(marker), f"left behind: {_processes_with(marker)}"
    assert _gone("DojoLeakActor"), "the detached actor outlived its learner's sandbox"
    # The grader's temporary folder is gone (other graders may run beside this test).
    for folder in set(Path("/tmp").glob("dojo-grade-*")) - before:
        assert not _holds(folder, marker), f"{folder} was left behind"
