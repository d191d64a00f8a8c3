"""The learner's side of the class board: every test outcome of a learner's run goes to the
room's board, with no step of the learner's own.

The dojo's pytest plugin calls `record(item, result)` where it records an outcome, and
`finish(config)` at the end of the session. When RAY_ADDRESS names the room's head (and the
run is a learner's own: not --solutions, not a variant, not a grading run), the first outcome
looks the board actor up (one GCS lookup); each outcome is then one fire-and-forget actor call
(the test does not wait for it). No board: nothing more is done, for the rest of the run.

Before Ray disconnects, the calls still in flight are waited for (at most FLUSH_TIMEOUT s,
normally a millisecond), and refused reports are named in one line at the end of the run. A
run that never connected to Ray (a kata whose tests need none) hands its outcomes to a
background process (dojo/board/send.py): the run does not wait for Ray's start-up.

The row is the learner's (dojo/board/identity.py: DOJO_LEARNER or the user name, and a secret
token). DOJO_BOARD=off turns reporting off.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from dojo.board.identity import learner_name, learner_token, reporting_off

FLUSH_TIMEOUT = 2.0
# Below the board's limits (dojo.board.state): a report of ours is never refused for size.
LESSON_LINES = 12
LESSON_CHARS = 1500
_KEY = pytest.StashKey["Reporter | None"]()


def wanted(config, env=os.environ) -> bool:
    """Report this run? Only a learner's own run on a room's head."""
    if not env.get("RAY_ADDRESS") or env.get("DOJO_PRIVATE_HEAD") or reporting_off(env):
        return False  # no room: an embedded Ray, the checkout's own head, a watch's private one
    return not (
        config.getoption("solutions")
        or config._dojo_impls
        or config.pluginmanager.hasplugin("dojo.grade.plugin")
    )


def short_lesson(message: str) -> str:
    """The lesson as `dojo watch` shows it, cut to the board's size."""
    from dojo.watch.watcher import lesson_text

    return lesson_text(message, limit=LESSON_LINES)[:LESSON_CHARS]


def record(item, result: dict) -> None:
    """One outcome, as dojo.pytest_plugin records it (a dict of its _dojo_results)."""
    config = item.config
    if _KEY not in config.stash:
        config.stash[_KEY] = Reporter(config) if wanted(config) else None
    reporter = config.stash[_KEY]
    if reporter is not None:
        reporter.add(item, result)


def finish(config) -> None:
    reporter = config.stash.get(_KEY, None)
    if reporter is not None:
        reporter.finish()


class Reporter:
    """One session's reports (also a pytest plugin: see pytest_runtest_teardown)."""

    def __init__(self, config):
        self.config = config
        self.learner = learner_name()
        self.board = None
        self.looked_up = False
        self.pending: list = []  # refs of calls in flight
        self.unsent: list[dict] = []  # outcomes from before Ray was connected
        self.refused: list[str] = []
        self._failed: set[str] = set()
        self._digests: dict[Path, str] = {}
        config.pluginmanager.register(self, "dojo-board-reporter")

    @functools.cached_property
    def token(self) -> str:
        # Read (or made) once a board is there to show it: a room without a board leaves
        # no file behind.
        return learner_token()

    def payload(self, item, result: dict, token: str = "") -> dict | None:
        outcome = "not_done" if result["not_done"] else result["outcome"]
        if result["when"] == "teardown" and result["nodeid"] in self._failed:
            return None  # the call's failure and its lesson stay
        if outcome != "passed":
            self._failed.add(result["nodeid"])
        stub = Path(str(item.path)).parent / "kata.py"
        if stub not in self._digests:
            from dojo.kata.progress import fingerprint

            self._digests[stub] = fingerprint(stub)
        return {
            "learner": self.learner,
            "token": token,
            "kata": result["kata"],
            "test": result["test"],
            "outcome": outcome,
            "lesson": "" if outcome == "passed" else short_lesson(result["message"]),
            "digest": self._digests[stub],
        }

    def add(self, item, result: dict) -> None:
        try:
            ray = sys.modules.get("ray")
            connected = ray is not None and ray.is_initialized()
            if connected and self._board() is None:
                return  # no board in this room: nothing to do, for the rest of the run
            # Outcomes from before Ray connected get the token from whoever sends them.
            payload = self.payload(item, result, self.token if connected else "")
            if payload is not None and connected:
                self.pending.append(self.board.report.remote([payload]))
            elif payload is not None:
                self.unsent.append(payload)
        except Exception:  # the board must never break a learner's run
            self.board = None

    def _board(self):
        if not self.looked_up:
            self.looked_up = True
            from dojo.board.actor import lookup

            self.board = lookup()
        return self.board

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_teardown(self, item, nextitem):
        # The last test's teardown ends the session's Ray (the session fixture), before
        # pytest_sessionfinish: calls still in flight would be lost.
        if nextitem is None:
            self.flush()

    def flush(self) -> None:
        """Wait for the calls in flight (and send outcomes from before Ray connected)."""
        ray = sys.modules.get("ray")
        if ray is None or not ray.is_initialized():
            return
        try:
            if self.unsent and self._board() is not None:
                unsent = [{**payload, "token": self.token} for payload in self.unsent]
                self.pending.append(self.board.report.remote(unsent))
                self.unsent = []
            if self.pending:
                ready, _ = ray.wait(
                    self.pending, num_returns=len(self.pending), timeout=FLUSH_TIMEOUT
                )
                self.refused += [e for answer in ray.get(ready) for e in answer["refused"]]
        except Exception:  # e.g. the board actor died: the learner's run goes on
            pass
        self.pending = []

    def finish(self) -> None:
        self.flush()
        if self.unsent and not self.looked_up:
            send_in_background(self.unsent)
        self.unsent = []
        if self.refused:
            line = f"dojo board: {len(self.refused)} report(s) refused: {self.refused[0]}"
            terminal = self.config.pluginmanager.get_plugin("terminalreporter")
            if terminal is not None:
                terminal.write_line(line, yellow=True)
            else:
                print(line, file=sys.stderr)


def send_in_background(payloads: list[dict]) -> None:
    """Outcomes of a run that never connected to Ray: a process of their own connects and
    sends them, while this run ends at once."""
    try:
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump(payloads, handle)
        subprocess.Popen(
            [sys.executable, "-m", "dojo.board.send", handle.name],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        pass
