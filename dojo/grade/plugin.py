"""The pytest side of `dojo grade`: an event log that survives the learner's code.

Loaded with `-p dojo.grade.plugin` in each learner's pytest subprocess. Every event is one
JSON line appended and flushed at once, so when the learner's code ends the process
(`os._exit`, a segfault, a kill after a hang) the grader still has every result obtained
before, and knows which test was running. (`--dojo-report` is written only at the end.)

Events: {"event": "collected", "tests": [...]}, {"event": "start", "nodeid", "timeout"},
{"event": "phase", "nodeid", "when"} as setup, call and teardown begin (the grader's
watchdog allows each its own time), {"event": "report", "nodeid", "when", "outcome",
"message", "timed_out", "stdout"}, {"event": "finish", "nodeid"}, {"event": "done"}.

Two grading rules live here because only the test process can apply them:
* --grade-test-timeout caps every test's pytest-timeout limit (the katas allow 30 s);
* --grade-stop-after-hang KATA: once a test of KATA hit its time limit, its remaining tests
  are not run (the kata scores nothing anyway, and each hang would cost the full limit again).

The grader checks every line against a schema (dojo/grade/events.py): a text field longer
than dojo.grade.text.FIELD_LIMIT is not the plugin's, so the plugin cuts messages and output
to that length (1 GiB printed by a test must not become a 1 GiB line).
"""

from __future__ import annotations

import json
import re
import traceback
from pathlib import Path

import pytest

from dojo.grade.text import cut

TIMEOUT_PREFIX = "Timeout (>"  # pytest-timeout's failure message (PYTEST_FAILURE_MESSAGE)
NOT_RUN_PREFIX = "not run: "
STAGED_PACKAGE_MARK = "/dojo_learner_"  # frames of the learner's code (see dojo.grade.learner_run)
# pytest-timeout prints every thread's stack between two such lines into the captured output.
_TIMEOUT_DUMP = re.compile(r"^\++ Timeout \++$.*^\++ Timeout \++$\n?", re.MULTILINE | re.DOTALL)


def kata_of_path(path: Path) -> str | None:
    # Imported here, not at the top: dojo.pytest_plugin is registered by the root conftest,
    # after this -p plugin; importing it earlier stops pytest rewriting its asserts.
    from dojo.pytest_plugin import kata_of_path as of_path

    return of_path(path)


def pytest_addoption(parser):
    group = parser.getgroup("dojo grading")
    group.addoption("--grade-log", metavar="FILE", help="append grading events (JSON lines)")
    group.addoption(
        "--grade-test-timeout",
        type=float,
        metavar="SECONDS",
        help="cap every test's time limit",
    )
    group.addoption(
        "--grade-stop-after-hang",
        action="append",
        default=[],
        metavar="KATA",
        help="after a test of KATA hangs, do not run its other tests (repeatable)",
    )


def _log(config, **event) -> None:
    stream = getattr(config, "_grade_log", None)
    if stream is not None:
        stream.write(json.dumps(event) + "\n")
        stream.flush()


def pytest_configure(config):
    path = config.getoption("grade_log")
    config._grade_log = open(path, "a", encoding="utf-8") if path else None
    config._grade_hung = {}  # kata -> the test that hung


def pytest_unconfigure(config):
    if getattr(config, "_grade_log", None) is not None:
        config._grade_log.close()
        config._grade_log = None


def _timeout_of(item) -> float | None:
    marker = item.get_closest_marker("timeout")
    if marker is not None:
        value = marker.kwargs.get("timeout", marker.args[0] if marker.args else None)
    else:
        value = item.config.getini("timeout")
    try:
        return float(value) if value else None
    except (TypeError, ValueError):
        return None


def pytest_collection_modifyitems(config, items):
    cap = config.getoption("grade_test_timeout")
    if not cap:
        return
    for item in items:
        current = _timeout_of(item)
        if current is None or current > cap:
            # Prepended, so it is the closest marker and wins over the kata's own.
            item.add_marker(pytest.mark.timeout(cap), append=False)


def pytest_collection_finish(session):
    tests = []
    for item in session.items:
        param = item.nodeid.partition("[")[2].rstrip("]") if "[" in item.nodeid else ""
        tests.append(
            {
                "nodeid": item.nodeid,
                "kata": kata_of_path(Path(str(item.path))),
                "test": getattr(item, "originalname", item.name),
                "param": param,
            }
        )
    _log(session.config, event="collected", tests=tests)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    _log(item.config, event="start", nodeid=item.nodeid, timeout=_timeout_of(item))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    _log(item.config, event="phase", nodeid=item.nodeid, when="setup")
    kata = kata_of_path(Path(str(item.path)))
    hung = item.config._grade_hung.get(kata)
    if hung and kata in item.config.getoption("grade_stop_after_hang"):
        pytest.skip(f"{NOT_RUN_PREFIX}{hung} of this kata hung before it")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item):
    _log(item.config, event="phase", nodeid=item.nodeid, when="call")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item, nextitem):
    _log(item.config, event="phase", nodeid=item.nodeid, when="teardown")


def _message(call, report) -> str:
    """The teaching message (see `_teaching_message`), cut to the schema's size; never raises:
    an exception whose text cannot be had must not stop the event log."""
    try:
        return cut(_teaching_message(call, report))
    except Exception as err:  # e.g. a learner's exception whose __str__ raises
        return f"the test failed; its message could not be shown ({type(err).__name__})"


def _teaching_message(call, report) -> str:
    """The teaching message: the failure's own text, with a traceback only when the
    learner's code raised something unexpected (then only the learner's frames)."""
    if not report.failed:
        if report.skipped and isinstance(report.longrepr, tuple):
            return str(report.longrepr[2]).removeprefix("Skipped: ")
        return ""
    exc = call.excinfo.value if call.excinfo else None
    if exc is None or report.longreprtext.startswith("NOT DONE YET"):
        return report.longreprtext
    if isinstance(exc, pytest.fail.Exception):
        if not exc.msg.startswith(TIMEOUT_PREFIX):
            return exc.msg
        text = exc.msg  # the traceback shows where the learner's code was interrupted
    elif isinstance(exc, AssertionError):
        return "".join(traceback.format_exception_only(exc)).strip()
    else:
        text = "".join(traceback.format_exception_only(exc)).strip()
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if STAGED_PACKAGE_MARK in frame.filename
    ]
    if frames:
        where = "".join(traceback.format_list(frames)).rstrip()
        text = f"{text}\n\nin your code:\n{where}"
    return text


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    message = _message(call, report)
    timed_out = report.failed and message.startswith(TIMEOUT_PREFIX)
    if timed_out:
        name = getattr(item, "originalname", item.name)
        item.config._grade_hung.setdefault(kata_of_path(Path(str(item.path))), name)
    _log(
        item.config,
        event="report",
        nodeid=item.nodeid,
        when=call.when,
        outcome=report.outcome,
        message=message,
        timed_out=timed_out,
        stdout=cut(_TIMEOUT_DUMP.sub("", report.capstdout)),
        duration=round(call.duration, 3),
    )
    if call.when == "teardown":
        _log(item.config, event="finish", nodeid=item.nodeid)
    return report


def pytest_sessionfinish(session, exitstatus):
    _log(session.config, event="done", exitstatus=int(exitstatus))
