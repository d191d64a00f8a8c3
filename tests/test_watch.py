"""`dojo watch` and `dojo rotate`: what a learner sees on save, with a real Ray head.

The end-to-end test runs the CLI as a learner would, on a copy of the repository (PYTHONPATH
makes the copy's `dojo` and `katas` the ones imported), so the real stubs are never touched.
"""

import asyncio
import io
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from rich.console import Console

from dojo.cluster.head import LocalHead
from dojo.harness.waiting import wait_until
from dojo.kata import catalogue
from dojo.kata.shipped import solve_in_copy
from dojo.paths import REPO_ROOT
from dojo.watch import watcher as watcher_module
from dojo.watch.runner import Runner
from dojo.watch.watcher import Saves, Watcher, lesson_text, read_check_result

K01 = "k01_await_one_ref"
HANGING_K01 = """
import asyncio

import ray


@ray.remote(num_cpus=0)
def fetch_greeting(name: str, delay: float) -> str:
    return f"Hello, {name}!"


async def greet(name: str, delay: float = 1.0) -> str:
    await asyncio.Event().wait()  # nobody ever sets it
"""


def _env(**changes) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("RAY_ADDRESS", "RAY_AUTH_MODE")}
    return {**env, "COLUMNS": "200", **changes}


class Output:
    """A subprocess's output, collected line by line as it comes."""

    def __init__(self, stream: asyncio.StreamReader):
        self.lines: list[str] = []
        self._reader = asyncio.ensure_future(self._read(stream))

    async def _read(self, stream: asyncio.StreamReader) -> None:
        async for line in stream:
            self.lines.append(line.decode())

    @property
    def text(self) -> str:
        return "".join(self.lines)

    async def shows(self, text: str, count: int = 1, within: float = 90) -> bool:
        async def enough():
            return self.text.count(text) >= count

        return await wait_until(enough, within=within, interval=0.05)


def _copy_of_the_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for part in ("dojo", "katas", "solutions"):
        shutil.copytree(REPO_ROOT / part, root / part, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("conftest.py", "pyproject.toml", "catalogue.toml"):
        shutil.copy(REPO_ROOT / name, root / name)
    return root


def _dojo(*args, env, cwd=REPO_ROOT, timeout=60):
    return subprocess.run(
        [sys.executable, "-c", "from dojo.cli import main; main()", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _listening(address: str) -> bool:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.timeout(240)
async def test_watch_turns_green_after_the_learner_saves_the_solution(tmp_path):
    root = _copy_of_the_repo(tmp_path)
    stub = root / "katas" / K01 / "kata.py"
    env = _env(PYTHONPATH=str(root), DOJO_STATE_DIR=str(tmp_path / "state"))
    proc = await asyncio.create_subprocess_exec(
        *[sys.executable, "-c", "from dojo.cli import main; main()", "watch", "1"],
        cwd=root,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out = Output(proc.stdout)
    try:
        # The stub: red at once, with the teaching notice and no traceback.
        assert await out.shows("0 of 3 tests pass", within=150), out.text
        assert "NOT DONE YET: greet()" in out.text and "Traceback" not in out.text

        # A save while a check hangs starts the check over with the newest code.
        stub.write_text(HANGING_K01)
        assert await out.shows("checking…", count=2), out.text
        solve_in_copy(root, K01)
        assert await out.shows("Kata 01 passes", within=120), out.text
        assert "changed again: starting over" in out.text
        assert await out.shows("moving on to Kata 02"), out.text
    finally:
        # Usually while Kata 02's first check is still running: that must stop cleanly too.
        proc.send_signal(signal.SIGINT)
        code = await asyncio.wait_for(proc.wait(), 60)
        await out._reader
    assert code == 0 and "stopped watching" in out.text, out.text
    head = out.text.split("private Ray head at ", 1)[1].split()[0]
    assert not _listening(head), f"the private head at {head} is still up"
    # Progress is recorded as for a learner's own pytest run, so `dojo list` shows it.
    recorded = json.loads((tmp_path / "state" / "progress.json").read_text())
    assert {t["outcome"] for t in recorded[K01]["tests"].values()} == {"passed"}


def test_an_unknown_kata_is_refused(tmp_path):
    for args in (("watch", "99"), ("rotate", "--minutes", "1", "99")):
        result = _dojo(*args, env=_env(DOJO_STATE_DIR=str(tmp_path)))
        assert result.returncode == 2, result
        assert "no kata '99'" in result.stdout and "Traceback" not in result.stderr


def test_an_unreachable_cluster_fails_fast_with_advice(tmp_path):
    started = time.monotonic()
    result = _dojo("watch", "1", env=_env(RAY_ADDRESS="127.0.0.1:1", DOJO_STATE_DIR=str(tmp_path)))
    assert result.returncode == 1, result
    assert "Cannot reach the Ray cluster" in result.stdout, result.stdout
    assert "ray start --head" in result.stdout and "Traceback" not in result.stderr
    assert time.monotonic() - started < 30


def test_a_missing_dependency_says_how_to_install_it(tmp_path):
    without_watchfiles = "import sys; sys.modules['watchfiles'] = None; "
    result = subprocess.run(
        [sys.executable, "-c", without_watchfiles + "from dojo.cli import main; main()", "watch"],
        cwd=REPO_ROOT,
        env=_env(DOJO_STATE_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result
    assert "needs the `watchfiles` package" in result.stdout and "pip install" in result.stdout


# -- the Watcher itself, on a shared cluster (RAY_ADDRESS), reading the real stub ----------


@pytest.fixture(scope="module")
def runner(tmp_path_factory):
    """A runner connected to a `ray start --head` through RAY_ADDRESS, as in a room."""
    work = tmp_path_factory.mktemp("watch")
    head = LocalHead(num_cpus=2)
    env = _env(RAY_ADDRESS=head.address, RAY_AUTH_MODE="token", DOJO_STATE_DIR=str(work))
    started = Runner(work, env)  # it imports Ray and pytest while the head starts
    try:
        head.start()
        started.wait_imported()
        started.prepare()
        yield started
    finally:
        started.close()
        head.stop()


def _watcher(runner, **options) -> tuple[Watcher, io.StringIO]:
    sink = io.StringIO()
    console = Console(file=sink, width=200)
    return Watcher(catalogue.find(1), runner, console, stay=True, **options), sink


@pytest.mark.timeout(120)
def test_a_check_that_overruns_is_stopped_and_watching_goes_on(runner):
    watcher, _ = _watcher(runner, time_limit=0.01)
    stopped = watcher.check()
    assert stopped.problem and "stopped the check after 0.01 s" in stopped.problem
    watcher.time_limit = 60
    verdict = watcher.check()
    assert verdict.problem is None, verdict.problem
    assert verdict.failure[0] == "test_returns_the_remote_greeting"
    assert verdict.failure[1].startswith("NOT DONE YET: greet()")


@pytest.mark.timeout(120)
async def test_rotate_announces_each_period_with_the_current_state(runner):
    fake_minutes = itertools.count(0, 0.5)  # each look at the clock: half a minute later
    watcher, sink = _watcher(runner, rotate_every=60, clock=lambda: next(fake_minutes) * 60)
    saves = Saves()
    loop = threading.Thread(target=watcher.run, args=(saves,))
    loop.start()
    try:

        async def rotated_twice():
            return sink.getvalue().count("Rotate! next driver") >= 2

        assert await wait_until(rotated_twice, within=90, interval=0.05), sink.getvalue()
    finally:
        saves.close()
        loop.join(60)
    text = sink.getvalue()
    assert text.count("\a") >= 2, text
    state = "Kata 01 · Await one ref: 0 of 3 tests pass; first failure: "
    assert text.count(state) >= 3, text  # the check, then once per rotation
    assert "NOT DONE YET" in text.split("Rotate!")[1]


# -- turning a run's report into what the learner reads -------------------------------


SHORT_TRACEBACK = """\
katas/k01_await_one_ref/test_kata.py:18: in test_returns_the_remote_greeting
    result = await finishes_within(kata.greet("Ada", 0.1), 20, "greet('Ada', 0.1)")
katas/k01_await_one_ref/kata.py:19: in greet
    return await fetch_greting.remote(name, delay)
E   NameError: name 'fetch_greting' is not defined
"""


SYNTAX_ERROR = """\
dojo/pytest_plugin.py:153: in kata
    return importlib.import_module(module)
E     File "/x/katas/k01_await_one_ref/kata.py", line 4
E       return await
E                   ^
E   SyntaxError: invalid syntax
"""


def test_an_error_in_learner_code_is_shown_without_the_traceback():
    text = lesson_text(SHORT_TRACEBACK)
    assert text.splitlines()[0] == "NameError: name 'fetch_greting' is not defined"
    assert "kata.py line 19" in text and "test_kata.py" not in text
    text = lesson_text(SYNTAX_ERROR)
    assert text.splitlines()[-1] == "SyntaxError: invalid syntax"
    assert "return await" in text and "pytest_plugin" not in text


def _row(test: str, when: str, outcome: str, message: str = "") -> dict:
    """One test phase as dojo.pytest_plugin's --dojo-report writes it."""
    return {
        "kata": K01,
        "test": test,
        "when": when,
        "outcome": outcome,
        "not_done": False,
        "message": message,
    }


def test_a_verdict_names_the_first_failing_test_in_file_order(tmp_path):
    kata = catalogue.find(1)
    report = tmp_path / "report.json"
    results = [
        _row("test_returns_the_remote_greeting", "call", "passed"),
        _row("test_waits_for_the_remote_work", "call", "passed"),
        _row("test_waits_for_the_remote_work", "teardown", "failed", "E   RuntimeError: leak"),
    ]
    report.write_text(json.dumps({"exitstatus": 1, "results": results}))
    verdict = read_check_result(kata, report, tmp_path / "run.log", 1, 0.5)
    assert verdict.passed == ["test_returns_the_remote_greeting"]
    assert verdict.failure == ("test_waits_for_the_remote_work", "RuntimeError: leak")
    assert not verdict.green

    crashed = read_check_result(kata, tmp_path / "none.json", tmp_path / "run.log", 4, 0.5)
    assert crashed.problem and "without running the tests" in crashed.problem
    killed = read_check_result(kata, tmp_path / "none.json", tmp_path / "run.log", -9, 0.5)
    assert killed.problem and "killed (signal 9)" in killed.problem


def test_a_save_that_reached_the_watcher_late_is_checked_anyway(tmp_path, monkeypatch):
    """A loaded machine can deliver a save's event merged with an earlier one: the verdict
    must still be about the newest kata.py, not the one the run started with."""
    saved = tmp_path / "kata.py"
    saved.write_text("first version")

    class Run:
        report = log = tmp_path / "unused"

        def __init__(self, code: str):
            self.code = code
            if code == "first version":
                saved.write_text("newest version")  # the save lands while the run is going

        def wait(self, _timeout):
            return 0

    ran: list[str] = []

    class Runner:
        def start(self, _target):
            ran.append(saved.read_text())
            return Run(ran[-1])

    class Missed(Saves):
        def drain(self):
            return set()  # the event of that save never came

    def verdict_of(kata, report, log, status, seconds):
        return watcher_module.CheckResult(kata, total=3, problem=f"ran the {ran[-1]}")

    monkeypatch.setattr(watcher_module, "read_check_result", verdict_of)
    watcher = Watcher(catalogue.find(1), Runner(), Console(file=io.StringIO()), stay=True)
    monkeypatch.setattr(watcher, "_stub_bytes", saved.read_bytes)
    watcher._saves = Missed()
    verdict = watcher.check()
    assert ran == ["first version", "newest version"]
    assert verdict.problem == "ran the newest version"
