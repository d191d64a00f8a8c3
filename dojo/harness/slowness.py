"""The current test's evidence of a slow machine, for the limits that turn a hang into a lesson.

A kata's time limit (`teach.finishes_within`: "still running after 25 s") is set for a
learner's machine. Beside the self-check's other work (three shards, a Ray start taking 31 s
instead of 3), a right answer's every step can take ten times as long, and it was once told
it hung (CI on da94c2b, kata 02 after a leaky kata). So the limit counts only the time the
machine let the code move: while the test's probe actor answers a call that does nothing
late (dojo/harness/pulse.py), those seconds are the machine's and the limit moves on by as
much. pytest's own limit for the test forgives the same seconds (at most doubling it), and a
kata's limit stops short of it by a margin, so the learner still gets the lesson and not a
bare timeout.

The `make_probe` fixture starts the pulse with the test's first probe (`watch`) and stops it
at the test's end (`stop`); the plugin sets pytest's timer (`set_test_limit`, `test_ends`). A
test without a probe gets fixed limits, as before.
"""

from __future__ import annotations

import time

from dojo.harness.pulse import Pulse

# What a limit stops short of pytest's own, so that the lesson is written before pytest
# ends the test with a bare timeout.
MARGIN = 3.0

_pulse: Pulse | None = None
_test_limit: tuple[float, float] | None = None  # (began, seconds) of pytest's limit


def watch(probe) -> None:
    """Start pinging `probe`'s actor, if nothing is pinged yet for this test."""
    global _pulse
    if _pulse is None:
        _pulse = Pulse(lambda: [probe.ping()]).__enter__()


def stop() -> None:
    """The test is over: stop pinging. Not joined: a ping left unanswered (its actor killed)
    would hold the test's teardown for the pulse's whole GIVE_UP."""
    global _pulse
    pulse, _pulse = _pulse, None
    if pulse is not None:
        pulse.stop_soon()


def set_test_limit(seconds: float | None) -> None:
    """pytest's limit for the test starts now (None: the test has none, or it is over)."""
    global _test_limit
    _test_limit = None if seconds is None else (time.monotonic(), seconds)


def test_ends() -> float | None:
    """When (time.monotonic) pytest's limit ends the test: its seconds, plus the seconds the
    machine was slow since the test began, at most as many again."""
    if _test_limit is None:
        return None
    began, seconds = _test_limit
    return began + seconds + min(seconds, forgiven(began, time.monotonic()))


def forgiven(start: float, end: float) -> float:
    """Seconds within [start, end] (time.monotonic) in which the machine was too slow to
    judge the code by: a ping to the test's probe was overdue."""
    return _pulse.overdue_between(start, end) if _pulse is not None else 0.0


def latest_verdict() -> float | None:
    """The last moment (time.monotonic) a limit may wait until, or None if pytest sets none."""
    ends = test_ends()
    return None if ends is None else ends - MARGIN
