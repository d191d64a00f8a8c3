"""The class board's state: each learner's latest outcome per kata test, and the rules for
changing it. Pure Python (no Ray, no I/O): the board actor holds one, tests drive it directly.

A report is one test outcome: {"learner", "token", "kata", "test", "outcome", "lesson",
"digest"}. Everything in it is checked, because anyone who can reach the room's head can
send one:

* a learner writes only its own row: the first report for a name binds the row to that
  report's token (a random secret the learner's machine keeps in ~/.dojo/board-token); a
  later report for the name with another token is refused;
* names, katas, tests and outcomes must be well-formed and known; a lesson is at most
  MAX_LESSON_LINES lines of MAX_LESSON_CHARS characters; a call holds at most MAX_BATCH
  reports; the board takes at most MAX_LEARNERS rows;
* every refusal says why, and is counted by reason (shown in the snapshot).

A kata's cell, like `dojo list`'s states (dojo.kata.progress): "passed" when every test of
the kata passed; "not_attempted" when nothing ran or every test still hits its todo(); else
"failing", with the first test (in file order) that did not pass and its lesson.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

PASSED, FAILING, NOT_ATTEMPTED = "passed", "failing", "not_attempted"
OUTCOMES = ("passed", "failed", "not_done", "skipped")
LEARNER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
TEST_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,119}$")
TOKEN = re.compile(r"^[0-9a-f]{32,128}$")
DIGEST = re.compile(r"^[0-9a-f]{0,64}$")
MAX_LESSON_CHARS = 2000
MAX_LESSON_LINES = 20
MAX_SUMMARY_CHARS = 300
MAX_BATCH = 500
MAX_LEARNERS = 300
MAX_TESTS_PER_KATA = 200
RECENT_REFUSALS = 20
REPORT_FIELDS = frozenset({"learner", "token", "kata", "test", "outcome", "lesson", "digest"})
RANDORI_FIELDS = frozenset(
    {"learner", "token", "kata", "driver", "seconds_left", "period", "summary", "active"}
)


class Refused(ValueError):
    """A report the board does not take; `reason` is a short key for counting."""

    def __init__(self, reason: str, message: str, learner: str | None = None):
        super().__init__(message)
        self.reason = reason
        self.learner = learner


@dataclass(frozen=True)
class KataInfo:
    slug: str
    number: int
    title: str
    tests: tuple[str, ...]  # in file order


@dataclass
class Result:
    outcome: str
    lesson: str
    at: float


@dataclass
class KataRun:
    digest: str = ""  # of the kata.py the results are about: a new one starts afresh
    last_run: float = 0.0
    results: dict[str, Result] = field(default_factory=dict)


@dataclass
class Learner:
    name: str
    token_hash: str
    katas: dict[str, KataRun] = field(default_factory=dict)
    last_seen: float = 0.0
    randori: dict | None = None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _text(payload: dict, key: str, limit: int, learner: str | None) -> str:
    value = payload[key]
    if not isinstance(value, str):
        raise Refused("malformed", f"{key} must be a string", learner)
    if len(value) > limit:
        raise Refused("oversized", f"{key} is {len(value)} characters (at most {limit})", learner)
    return value


def _check_fields(payload, fields: frozenset[str]) -> None:
    if not isinstance(payload, dict):
        raise Refused("malformed", f"a report is a dict, not {type(payload).__name__}")
    if set(payload) != fields:
        missing = sorted(fields - set(payload))
        extra = sorted(str(key)[:40] for key in set(payload) - fields)
        raise Refused("malformed", f"report fields wrong (missing {missing}, unknown {extra})")


def _check_learner(payload: dict) -> tuple[str, str]:
    learner = payload["learner"]
    if not isinstance(learner, str) or not LEARNER_NAME.match(learner):
        raise Refused("bad_learner", "learner name must be 1-32 of A-Z a-z 0-9 . _ -")
    token = payload["token"]
    if not isinstance(token, str) or not TOKEN.match(token):
        raise Refused("bad_token", "token must be 32-128 lowercase hex digits", learner)
    return learner, token


def _lesson(payload: dict, learner: str) -> str:
    lesson = _text(payload, "lesson", MAX_LESSON_CHARS, learner)
    if lesson.count("\n") >= MAX_LESSON_LINES:
        raise Refused("oversized", f"lesson has over {MAX_LESSON_LINES} lines", learner)
    return lesson


class BoardState:
    """The grid and its rules. `version` grows with every change a viewer could see."""

    def __init__(self, katas: list[dict], clock: Callable[[], float] = time.time):
        self.katas = {
            k["slug"]: KataInfo(k["slug"], k["number"], k["title"], tuple(k["tests"]))
            for k in katas
        }
        self.clock = clock
        self.board_id = uuid.uuid4().hex[:12]  # a new board (the head restarted) starts at 0
        self.version = 0
        self.learners: dict[str, Learner] = {}
        self.refused: Counter[str] = Counter()
        self.recent_refusals: deque[dict] = deque(maxlen=RECENT_REFUSALS)

    # -- writing ---------------------------------------------------------------------------
    def report(self, payloads) -> dict:
        """Apply a batch of test outcomes; each is taken or refused on its own. Returns
        {"accepted": n, "refused": [error, ...]}."""
        if not isinstance(payloads, list):
            refusal = Refused("malformed", f"reports come as a list, not {type(payloads).__name__}")
        elif len(payloads) > MAX_BATCH:
            refusal = Refused(
                "oversized", f"{len(payloads)} reports in one call (at most {MAX_BATCH})"
            )
        else:
            refusal = None
        if refusal is not None:
            self._refuse(refusal)
            return {"accepted": 0, "refused": [str(refusal)]}
        accepted, errors = 0, []
        for payload in payloads:
            try:
                self._apply(payload)
                accepted += 1
            except Refused as refusal:
                self._refuse(refusal)
                errors.append(str(refusal))
        if accepted:
            self.version += 1
        return {"accepted": accepted, "refused": errors}

    def randori(self, payload) -> dict:
        """A randori's state (`dojo rotate`): kata, driver number, time to the next rotation."""
        try:
            _check_fields(payload, RANDORI_FIELDS)
            learner = self._owned_row(*_check_learner(payload))
            learner.randori = self._randori_fields(payload, learner.name)
        except Refused as refusal:
            self._refuse(refusal)
            return {"accepted": 0, "refused": [str(refusal)]}
        self.version += 1
        return {"accepted": 1, "refused": []}

    def forget(self, name: str) -> bool:
        """The facilitator frees a row (a learner moved to another machine)."""
        found = self.learners.pop(name, None) is not None
        self.version += found
        return found

    def _refuse(self, refusal: Refused) -> None:
        self.refused[refusal.reason] += 1
        self.recent_refusals.append(
            {
                "at": self.clock(),
                "learner": refusal.learner,
                "reason": refusal.reason,
                "error": str(refusal),
            }
        )
        self.version += 1

    def _apply(self, payload) -> None:
        _check_fields(payload, REPORT_FIELDS)
        name, token = _check_learner(payload)
        kata = payload["kata"]
        if not isinstance(kata, str) or kata not in self.katas:
            raise Refused("unknown_kata", f"no kata {str(kata)[:40]!r} on this board", name)
        test = payload["test"]
        if not isinstance(test, str) or not TEST_NAME.match(test):
            raise Refused("malformed", "test must be a Python identifier", name)
        outcome = payload["outcome"]
        if outcome not in OUTCOMES:
            raise Refused("malformed", f"outcome must be one of {', '.join(OUTCOMES)}", name)
        digest = _text(payload, "digest", 64, name)
        if not DIGEST.match(digest):
            raise Refused("malformed", "digest must be hex digits", name)
        lesson = _lesson(payload, name)
        run = self._owned_row(name, token).katas.setdefault(kata, KataRun(digest))
        if digest != run.digest:  # the learner changed kata.py: earlier results are stale
            run.digest, run.results = digest, {}
        if test not in run.results and len(run.results) >= MAX_TESTS_PER_KATA:
            raise Refused("oversized", f"over {MAX_TESTS_PER_KATA} tests in one kata", name)
        now = self.clock()
        run.results[test] = Result(outcome, lesson if outcome != "passed" else "", now)
        run.last_run = self.learners[name].last_seen = now

    def _owned_row(self, name: str, token: str) -> Learner:
        hashed = _token_hash(token)
        learner = self.learners.get(name)
        if learner is None:
            if len(self.learners) >= MAX_LEARNERS:
                raise Refused("board_full", f"the board has {MAX_LEARNERS} learners", name)
            learner = self.learners[name] = Learner(name, hashed)
        elif not hmac.compare_digest(learner.token_hash, hashed):
            raise Refused(
                "not_your_row",
                f"the row {name!r} belongs to another learner's token (set DOJO_LEARNER to "
                "your own name; moved machines? the facilitator can free the row: "
                f"`dojo board --forget {name}`)",
                name,
            )
        return learner

    def _randori_fields(self, payload: dict, name: str) -> dict:
        kata = payload["kata"]
        if not isinstance(kata, str) or kata not in self.katas:
            raise Refused("unknown_kata", f"no kata {str(kata)[:40]!r} on this board", name)
        numbers = [payload[k] for k in ("driver", "seconds_left", "period")]
        if not all(isinstance(n, int | float) and not isinstance(n, bool) for n in numbers):
            raise Refused("malformed", "driver, seconds_left and period must be numbers", name)
        if not (0 < payload["driver"] < 10_000 and 0 < payload["period"] <= 86_400):
            raise Refused("malformed", "driver or period out of range", name)
        if not isinstance(payload["active"], bool):
            raise Refused("malformed", "active must be true or false", name)
        return {
            "kata": kata,
            "driver": int(payload["driver"]),
            "deadline": self.clock() + max(0.0, min(float(payload["seconds_left"]), 86_400.0)),
            "period": float(payload["period"]),
            "summary": _text(payload, "summary", MAX_SUMMARY_CHARS, name),
            "active": payload["active"],
        }

    # -- reading ---------------------------------------------------------------------------
    def cell(self, kata: KataInfo, run: KataRun) -> dict:
        """One learner's state for one kata (see the module docstring)."""
        results = run.results
        expected = list(kata.tests) or list(results)
        order = expected + sorted(t for t in results if t not in expected)
        outcome = {t: results[t].outcome for t in results}
        done = [t for t in expected if outcome.get(t) in ("passed", "skipped")]
        failed = [t for t in order if outcome.get(t) == "failed"]
        if expected and len(done) == len(expected) and not failed:
            state = PASSED
        elif failed or done:
            state = FAILING
        else:
            state = NOT_ATTEMPTED
        first = failed or [t for t in order if outcome.get(t) not in ("passed", "skipped")]
        failure = None
        if state != PASSED and first:
            result = results.get(first[0])
            lesson = result.lesson if result else "not run yet (the run stopped before it)"
            failure = {"test": first[0], "lesson": lesson}
        return {
            "state": state,
            "passed": len(done),
            "total": len(expected),
            "last_run": run.last_run,
            "failure": failure,
        }

    def snapshot(self) -> dict:
        """The whole grid, as /api/state serves it and the page draws it."""
        learners, passed = [], Counter()
        for name in sorted(self.learners, key=str.lower):
            learner = self.learners[name]
            cells = {slug: self.cell(self.katas[slug], run) for slug, run in learner.katas.items()}
            passed.update(slug for slug, c in cells.items() if c["state"] == PASSED)
            learners.append(
                {
                    "name": name,
                    "last_seen": learner.last_seen,
                    "cells": cells,
                    "randori": learner.randori,
                }
            )
        katas = sorted(self.katas.values(), key=lambda k: k.number)
        return {
            "board": self.board_id,
            "version": self.version,
            "now": self.clock(),
            "katas": [
                {
                    "slug": k.slug,
                    "number": k.number,
                    "title": k.title,
                    "tests": len(k.tests),
                    "passed": passed[k.slug],
                }
                for k in katas
            ],
            "learners": learners,
            "refused": {
                "total": sum(self.refused.values()),
                "by_reason": dict(self.refused),
                "recent": list(self.recent_refusals),
            },
        }
