"""The event log of a learner's pytest (dojo/grade/plugin.py writes it), read by the grader.

The log's path is on the learner's command line and the learner's code can write to it, so
nothing in it is trusted: every line is checked against `SCHEMA` (a known event kind, each
field present with the right type and within its size, a test id that was collected), and a
line that fails is dropped and counted (`EventTail.dropped`), never raised. The counts reach
the learner's result as a note. Reading is bounded too: an over-long line is skipped without
being held in memory, and at most MAX_EVENTS events are taken from one log.

What survives is folded into the learner's `KataRun` (`apply_events`).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from dojo.grade.plugin import NOT_RUN_PREFIX
from dojo.grade.text import CUT_MARK_ROOM, FIELD_LIMIT, clean

if TYPE_CHECKING:
    from dojo.grade.learner_run import KataRun, TestOutcome

# A line longer than this is not the plugin's (two full text fields, JSON-escaped, are far
# shorter): it is skipped as it is read, never held whole.
LINE_LIMIT = 1 << 20
MAX_EVENTS = 50_000  # a real run writes ~5 per test
MAX_TESTS = 5_000  # in one "collected" event
DROPPED = "dropped"  # the kind of the grader's own event that carries the drop counts


class _Bad(ValueError):
    """A field that does not fit the schema; the message is the reason counted."""


def _text(limit: int) -> Callable:
    def check(value):
        if not isinstance(value, str):
            raise _Bad("bad field")
        if len(value) > limit:
            raise _Bad("oversized field")
        return clean(value)

    return check


def _optional_text(limit: int) -> Callable:
    text = _text(limit)
    return lambda value: None if value is None else text(value)


def _number(low: float, high: float) -> Callable:
    def check(value):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Bad("bad field")
        if not math.isfinite(value) or not low <= value <= high:
            raise _Bad("bad field")
        return value

    return check


def _optional_number(low: float, high: float) -> Callable:
    number = _number(low, high)
    return lambda value: None if value is None else number(value)


def _one_of(*allowed: str) -> Callable:
    def check(value):
        if value not in allowed:
            raise _Bad("bad field")
        return value

    return check


def _flag(value):
    if not isinstance(value, bool):
        raise _Bad("bad field")
    return value


def _integer(value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad("bad field")
    return value


_NODEID = _text(2_000)
_LONG_TEXT = _text(FIELD_LIMIT + CUT_MARK_ROOM)
_WHEN = _one_of("setup", "call", "teardown")
_SECONDS = _number(0, 86_400)
_TEST = {
    "nodeid": _NODEID,
    "kata": _optional_text(200),
    "test": _text(500),
    "param": _text(2_000),
}


def _tests(value):
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        raise _Bad("bad field")
    if len(value) > MAX_TESTS:
        raise _Bad("oversized field")
    return [_fields(t, _TEST) for t in value]


# The events dojo/grade/plugin.py writes: kind -> {field: check}. Fields not listed are
# dropped from the event; a missing or failing field drops the whole event.
SCHEMA: dict[str, dict[str, Callable]] = {
    "collected": {"tests": _tests},
    "start": {"nodeid": _NODEID, "timeout": _optional_number(0, 86_400)},
    "phase": {"nodeid": _NODEID, "when": _WHEN},
    "report": {
        "nodeid": _NODEID,
        "when": _WHEN,
        "outcome": _one_of("passed", "failed", "skipped"),
        "message": _LONG_TEXT,
        "timed_out": _flag,
        "stdout": _LONG_TEXT,
        "duration": _SECONDS,
    },
    "finish": {"nodeid": _NODEID},
    "done": {"exitstatus": _integer},
}


def _fields(raw: dict, schema: dict[str, Callable]) -> dict:
    missing = [name for name in schema if name not in raw]
    if missing:
        raise _Bad("bad field")
    return {name: check(raw[name]) for name, check in schema.items()}


class EventTail:
    """Reads the events appended to one log since the last call, checked (module docstring).

    `dropped` counts the lines dropped so far, by reason; each `read` that dropped some ends
    with a grader-made {"event": "dropped", "counts": {...}} so `apply_events` can record them."""

    def __init__(self, path: Path):
        self.path, self.offset = path, 0
        self.collected: set[str] = set()
        self.dropped: Counter[str] = Counter()
        self.taken = 0
        self._skipping = False  # inside an over-long line

    def read(self) -> list[dict]:
        try:
            log = open(self.path, "rb")
        except FileNotFoundError:
            return []
        before = self.dropped.copy()
        events: list[dict] = []
        with log:
            while block := self._read_block(log):
                if self._skipping:
                    end = block.find(b"\n")
                    if end < 0:
                        self.offset += len(block)
                        continue
                    self.offset += end + 1
                    self._skipping = False
                    self.dropped["oversized line"] += 1
                    continue
                end = block.rfind(b"\n")
                if end < 0:
                    if len(block) > LINE_LIMIT:
                        self._skipping, self.offset = True, self.offset + len(block)
                        continue
                    break  # a line still being written: the rest comes later
                for line in block[:end].split(b"\n"):
                    event = self._check(line) if line.strip() else None
                    if event is not None:
                        events.append(event)
                self.offset += end + 1
        new = self.dropped - before
        if new:
            events.append({"event": DROPPED, "counts": dict(new)})
        return events

    def _read_block(self, log) -> bytes:
        log.seek(self.offset)
        return log.read(LINE_LIMIT + 1)

    def _check(self, line: bytes) -> dict | None:
        """The event on `line`, checked; None (and counted) when it fails."""
        try:
            raw = json.loads(line)
        except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested too deep
            return self._drop("not an event (bad JSON)")
        if not isinstance(raw, dict) or raw.get("event") not in SCHEMA:
            return self._drop("unknown event kind")
        if self.taken >= MAX_EVENTS:
            return self._drop("too many events")
        kind = raw["event"]
        try:
            event = {"event": kind, **_fields(raw, SCHEMA[kind])}
        except _Bad as bad:
            return self._drop(str(bad))
        if kind == "collected":
            if self.collected:
                return self._drop("collected twice")
            self.collected = {t["nodeid"] for t in event["tests"]}
        elif "nodeid" in event and event["nodeid"] not in self.collected:
            return self._drop("unknown test id")
        self.taken += 1
        return event

    def _drop(self, reason: str) -> None:
        self.dropped[reason] += 1
        return None


def describe_dropped(counts: dict[str, int]) -> str:
    """The note for a learner's result: `3 lines of the event log were dropped (...)`."""
    total = sum(counts.values())
    reasons = ", ".join(f"{n} {why}" for why, n in sorted(counts.items()))
    return (
        f"{total} line{'s' * (total != 1)} of the test run's event log "
        f"{'were' if total != 1 else 'was'} dropped ({reasons}): the log is written by the "
        "test process, and something in it (the code under test?) wrote what the grader's "
        "plugin never writes"
    )


def apply_events(run: KataRun, events: list[dict]) -> tuple[str | None, bool]:
    """Fold one attempt's events into the run; return (test in progress, finished normally)."""
    from dojo.grade.learner_run import TestOutcome  # here: learner_run imports this module

    in_progress, done = None, False
    for event in events:
        kind = event["event"]
        if kind == "collected":
            for t in event["tests"]:
                run.tests.setdefault(
                    t["nodeid"], TestOutcome(t["kata"], t["test"], t["param"], "pending")
                )
        elif kind == "start":
            in_progress = event["nodeid"]
        elif kind == "finish":
            in_progress = None
        elif kind == "report":
            fold_report(run.tests[event["nodeid"]], event)
        elif kind == "done":
            done = True
        elif kind == DROPPED:
            for why, count in event["counts"].items():
                run.dropped_events[why] = run.dropped_events.get(why, 0) + count
    return in_progress, done


def fold_report(test: TestOutcome, event: dict) -> None:
    """Fold one phase's report into the test's outcome."""
    test.duration += event.get("duration", 0.0)
    if event.get("stdout"):
        test.output = event["stdout"]  # each phase's capture includes the earlier phases'
    outcome, message = event["outcome"], event["message"]
    if test.status in ("fail", "error"):
        return  # the first problem of a test is the one to report
    if outcome == "passed":
        if event["when"] == "call":
            test.status = "pass"
    elif outcome == "skipped":
        test.status, test.message = "error", message or "skipped"
        if not message.startswith(NOT_RUN_PREFIX):
            test.message = f"{NOT_RUN_PREFIX}skipped ({message})"
    elif event.get("timed_out"):
        seconds, _, where = message.removeprefix("Timeout (>").partition("s)")
        where = where.partition("\n\n")[2]  # the learner's line it was stopped at, if any
        test.status = "error"
        test.message = (
            f"the test did not finish within its time limit of {seconds} s and was stopped: "
            "your code hung (an endless loop, or awaiting something that never happens), "
            "unless the machine was badly overloaded"
        ) + (f"\n\n{where}" if where else "")
    else:
        # A failure inside the test is a failed answer; one in setup or teardown (kata.py
        # does not import, a fixture broke) means the test could not judge the answer.
        test.status = "fail" if event["when"] == "call" else "error"
        test.message = message
