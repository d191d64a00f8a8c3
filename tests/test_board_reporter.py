"""The learner's side of the board (dojo/board/reporter.py, identity.py, randori.py) without a
cluster: which runs report, what a report holds, one lookup and no call when there is no
board, a learner's name and token, and the randori feed's updates."""

import os
import stat
import sys
import types
from pathlib import Path

import pytest

from dojo.board import identity, randori, reporter
from dojo.board.state import MAX_LESSON_CHARS, MAX_LESSON_LINES, TOKEN, BoardState


class PluginManager:
    def __init__(self, plugins=()):
        self.plugins = set(plugins)
        self.registered = []

    def hasplugin(self, name):
        return name in self.plugins

    def register(self, plugin, name):
        self.registered.append(name)

    def get_plugin(self, name):
        return None


class Config:
    def __init__(self, solutions=False, impls=None, plugins=()):
        self._dojo_impls = impls or {}
        self.pluginmanager = PluginManager(plugins)
        self._solutions = solutions
        self.stash = {}

    def getoption(self, name):
        return {"solutions": self._solutions}[name]


ROOM = {"RAY_ADDRESS": "10.0.0.5:6379"}


@pytest.mark.parametrize(
    "config, env, expected",
    [
        (Config(), ROOM, True),
        (Config(), {}, False),  # no room: an embedded Ray or the checkout's own head
        (Config(), {**ROOM, "DOJO_PRIVATE_HEAD": "1"}, False),  # dojo watch's own, grading
        (Config(), {**ROOM, "DOJO_BOARD": "off"}, False),
        (Config(solutions=True), ROOM, False),
        (Config(impls={"k01": ["mutant"]}), ROOM, False),
        (Config(plugins={"dojo.grade.plugin"}), ROOM, False),
    ],
    ids=["learner", "no-room", "private-head", "off", "solutions", "variant", "grading"],
)
def test_only_a_learners_own_run_on_a_room_reports(config, env, expected):
    assert reporter.wanted(config, env) is expected


@pytest.mark.parametrize(
    "value, name",
    [("Ada Lovelace", "Ada-Lovelace"), ("<b>x</b>", "b-x-b"), ("...", "learner"),
     ("a" * 50, "a" * 32), ("jo.smith_2", "jo.smith_2")],
)  # fmt: skip
def test_the_learner_name_is_cut_to_what_the_board_accepts(value, name):
    assert identity.learner_name({"DOJO_LEARNER": value}) == name


def test_the_token_is_made_once_and_readable_by_the_learner_alone(tmp_path):
    path = tmp_path / "home" / ".dojo" / "board-token"
    token = identity.learner_token(path)
    assert TOKEN.match(token)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert identity.learner_token(path) == token
    assert list(path.parent.iterdir()) == [path]  # no temporary file left


def test_a_token_file_holding_no_token_is_replaced(tmp_path):
    path = tmp_path / "board-token"
    path.write_text("garbage")
    token = identity.learner_token(path)
    assert TOKEN.match(token) and path.read_text().strip() == token


def test_the_lesson_is_watchs_short_text_cut_to_the_boards_size():
    message = "\n".join(
        ["katas/k01/kata.py:9: in greet", "    return ray.get(ref)", "E   AssertionError: slow"]
        + [f"E   line {n}" for n in range(40)]
    )
    lesson = reporter.short_lesson(message)
    assert lesson.startswith("AssertionError: slow")
    assert "return ray.get" not in lesson  # no traceback, as `dojo watch` shows it
    assert lesson.count("\n") < MAX_LESSON_LINES and len(lesson) <= MAX_LESSON_CHARS
    assert len(reporter.short_lesson("x" * 5000)) <= MAX_LESSON_CHARS


class FakeBoard:
    def __init__(self):
        self.state = BoardState(
            [{"slug": "k01_one", "number": 1, "title": "One", "tests": ["test_a", "test_b"]}]
        )
        self.report = types.SimpleNamespace(remote=self._remote)
        self.calls = 0

    def _remote(self, payloads):
        self.calls += 1
        return self.state.report(payloads)  # the "ref" is the answer itself


@pytest.fixture
def fake_ray(monkeypatch, tmp_path):
    """A connected Ray whose board lookup finds `found[0]` (None: no board), counted."""
    found, lookups = [None], []
    ray = types.SimpleNamespace(
        is_initialized=lambda: True,
        wait=lambda refs, num_returns, timeout: (refs, []),
        get=lambda refs: refs,
    )
    actor = types.SimpleNamespace(lookup=lambda: lookups.append(1) or found[0])
    monkeypatch.setitem(sys.modules, "ray", ray)
    monkeypatch.setitem(sys.modules, "dojo.board.actor", actor)
    monkeypatch.setenv("DOJO_BOARD_TOKEN_FILE", str(tmp_path / "token"))
    monkeypatch.setenv("DOJO_LEARNER", "alice")
    return found, lookups


def outcome(test="test_a", outcome="passed", when="call", message="", not_done=False):
    return {"nodeid": f"katas/k01_one/test_kata.py::{test}", "kata": "k01_one", "test": test,
            "when": when, "outcome": outcome, "not_done": not_done, "message": message}  # fmt: skip


@pytest.fixture
def item(tmp_path):
    (tmp_path / "k01_one").mkdir()
    (tmp_path / "k01_one" / "kata.py").write_text("async def greet(): ...\n")
    return types.SimpleNamespace(path=tmp_path / "k01_one" / "test_kata.py")


def test_without_a_board_the_run_looks_once_and_sends_nothing(fake_ray, item, tmp_path):
    _, lookups = fake_ray
    sent = reporter.Reporter(Config())
    for test in ("test_a", "test_b", "test_c"):
        sent.add(item, outcome(test))
    sent.finish()
    assert lookups == [1]
    assert sent.pending == [] and sent.unsent == []
    assert not (tmp_path / "token").exists()  # no file left behind either


def test_with_a_board_each_outcome_is_one_call_and_the_row_fills(fake_ray, item):
    found, lookups = fake_ray
    found[0] = board = FakeBoard()
    sent = reporter.Reporter(Config())
    sent.add(item, outcome("test_a"))
    sent.add(item, outcome("test_b", "failed", message="E   AssertionError: wrong"))
    sent.add(item, outcome("test_b", "failed", when="teardown", message="E   teardown"))
    sent.finish()
    assert lookups == [1] and board.calls == 2  # the teardown's failure keeps the call's lesson
    cell = board.state.snapshot()["learners"][0]["cells"]["k01_one"]
    assert cell["failure"] == {"test": "test_b", "lesson": "AssertionError: wrong"}
    assert sent.refused == []


def test_refused_reports_are_named_at_the_end_of_the_run(fake_ray, item, capsys):
    found, _ = fake_ray
    found[0] = board = FakeBoard()
    board.state.report([{**reporter.Reporter(Config()).payload(item, outcome()),
                         "token": "d4" * 16}])  # fmt: skip
    sent = reporter.Reporter(Config())  # alice's row was taken by another token
    sent.add(item, outcome())
    sent.finish()
    assert "1 report(s) refused" in capsys.readouterr().err


def test_a_todo_is_reported_as_not_done_and_a_pass_carries_no_lesson(fake_ray, item):
    sent = reporter.Reporter(Config())
    todo = sent.payload(item, outcome(outcome="failed", message="NOT DONE YET: x", not_done=True))
    assert todo["outcome"] == "not_done" and todo["lesson"] == "NOT DONE YET: x"
    passed = sent.payload(item, outcome(message="ignored"))
    assert passed["lesson"] == ""
    assert passed["digest"] and passed["learner"] == "alice"


def test_a_run_without_ray_hands_its_outcomes_to_a_background_sender(fake_ray, item, monkeypatch):
    sys.modules["ray"].is_initialized = lambda: False
    handed = []
    monkeypatch.setattr(reporter, "send_in_background", handed.append)
    sent = reporter.Reporter(Config())
    sent.add(item, outcome())
    sent.finish()
    assert [p["test"] for p in handed[0]] == ["test_a"]
    assert fake_ray[1] == []  # no lookup: the run never connected


class FakeWatcher:
    def __init__(self):
        self.kata = types.SimpleNamespace(slug="k01_one", number=1, title="One")
        self.rotations = 0
        self.rotate_every = 300.0
        self.last = None


def test_the_randori_feed_sends_what_changed_only(monkeypatch):
    feed = randori.RandoriFeed("alice", "e5" * 16)
    sent = []
    monkeypatch.setattr(feed, "send", sent.append)
    clock = iter([1000.45, 1000.65, 1001.0, 1001.5])
    monkeypatch.setattr(randori.time, "time", lambda: next(clock))
    watcher = FakeWatcher()
    feed(watcher, 120.0)
    # The same due time, drifted by a few hundredths across the edge where rounding to the
    # second turned 1120.45 and 1120.55 into two times: nothing new.
    feed(watcher, 119.9)
    watcher.rotations = 1
    feed(watcher, 300.0)
    watcher.last = types.SimpleNamespace(summary=lambda: "Kata 01 · One: 1 of 2 tests pass")
    feed(watcher, 299.5)
    assert [(p["driver"], p["summary"]) for p in sent] == [
        (1, "checking…"), (2, "checking…"), (2, "1 of 2 tests pass")
    ]  # fmt: skip
    board = BoardState([{"slug": "k01_one", "number": 1, "title": "One", "tests": ["t"]}])
    assert all(board.randori(p)["accepted"] == 1 for p in sent)


def test_no_randori_feed_without_a_room(monkeypatch):
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    assert randori.randori_feed() is None


def test_the_randori_feed_survives_a_helper_that_is_gone(monkeypatch, tmp_path):
    feed = randori.RandoriFeed("alice", "e5" * 16)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-python-here"))
    feed(FakeWatcher(), 60.0)
    assert feed.broken
    feed(FakeWatcher(), 30.0)  # no error: the randori goes on without the board


def test_the_background_sender_leaves_no_file_readable_by_others(monkeypatch, tmp_path):
    started = []
    monkeypatch.setattr(reporter.subprocess, "Popen", lambda args, **kw: started.append(args))
    monkeypatch.setattr(reporter.tempfile, "tempdir", str(tmp_path))
    reporter.send_in_background([{"token": "secret"}])
    path = Path(started[0][-1])
    assert started[0][1:3] == ["-m", "dojo.board.send"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_rotate_tells_the_board_its_timer_at_every_turn_of_its_loop(monkeypatch):
    import io
    import itertools

    from rich.console import Console

    from dojo.kata import catalogue
    from dojo.watch import watcher as watcher_module
    from dojo.watch.watcher import Saves, Watcher

    monkeypatch.setattr(watcher_module, "TICK", 0.01)  # the loop's wait for a save

    looks = itertools.count(0, 15)  # each look at the clock: 15 s later
    saves, told = Saves(), []

    def board(watcher, seconds_left):
        told.append((watcher.rotations, seconds_left))
        if len(told) == 10:
            saves.close()

    watcher = Watcher(catalogue.find(1), None, Console(file=io.StringIO()), rotate_every=60,
                      clock=lambda: next(looks), board=board)  # fmt: skip
    monkeypatch.setattr(watcher, "check_and_move_on", lambda: True)  # no runs: the timer only
    assert watcher.run(saves) == 0
    first_left = {}
    for rotations, left in told:
        first_left.setdefault(rotations, left)
    assert set(first_left) >= {0, 1, 2}
    assert all(30 <= left <= 60 for left in first_left.values())  # a full period after each
    assert all(left <= 60 for _, left in told)
