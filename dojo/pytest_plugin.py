"""The pytest side of the dojo: which code the kata tests run against, one Ray per
session, probes that are cleaned up, and short "not done yet" reports.

Loaded by the root conftest.py. Choosing the code under test:

* default            katas/<kata>/kata.py       (the learner's work)
* --solutions        solutions/<kata>/kata.py   (the reference solutions)
* --impl MODULE      any module mirroring a kata, e.g. a mutant kept under tests/; the kata
                     is the `kNN_...` package in its dotted name. Repeatable.
* --impl-plan FILE   JSON list of {"kata", "id", "module", "only", "stop_first"} (`dojo verify`)

With --impl/--impl-plan each kata test is parametrised over the implementations given for
its kata, so one Ray session checks many implementations.

A learner's run stops each kata at its first failing test (rustlings' one-thing-at-a-time):
the kata's later tests are skipped as "not run", so a wrong answer's verdict comes as soon as
one test has given it, never after every test has waited out the same mistake. --all-tests
runs them all; --solutions, --impl and grading always do (--stop-at-first-failure asks for
the learner's behaviour there, e.g. to time a mutant as a learner would see it).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from dojo.cluster import ray_runtime

# Must happen before any test module imports ray (see ray_runtime's docstring).
ray_runtime.prepare_environment()

import pytest  # noqa: E402

from dojo.board import reporter as board_reporter  # noqa: E402
from dojo.harness.todo import NotDoneYet  # noqa: E402
from dojo.kata.outcomes import NOT_RUN  # noqa: E402

KATA_DIR_NAME = re.compile(r"^k\d\d_[a-z0-9_]+$")
LEARNER_FILES = pytest.StashKey[set]()


@dataclass(frozen=True)
class Impl:
    kata: str
    id: str
    module: str
    only: tuple[str, ...] = ()  # run just these tests for it (a mutant's named test)
    stop_first: bool = False  # stop at its first failure, as a learner's run would


def kata_of_path(path: Path) -> str | None:
    for part in reversed(path.parts):
        if KATA_DIR_NAME.match(part):
            return part
    return None


def kata_of_module(module: str) -> str | None:
    for part in reversed(module.split(".")):
        if KATA_DIR_NAME.match(part):
            return part
    return None


def pytest_addoption(parser):
    group = parser.getgroup("dojo")
    group.addoption(
        "--solutions",
        action="store_true",
        help="run the kata tests against solutions/ instead of your code in katas/",
    )
    group.addoption(
        "--impl",
        action="append",
        default=[],
        metavar="MODULE",
        help="run the kata tests against this module (repeatable), e.g. a mutant",
    )
    group.addoption(
        "--impl-plan",
        metavar="FILE",
        help="JSON list of implementations to check (used by `dojo verify`)",
    )
    group.addoption(
        "--no-daemon",
        action="store_true",
        help="start and stop a Ray of this run's own instead of reusing the dojo's head",
    )
    group.addoption(
        "--all-tests",
        action="store_true",
        help="run every test of a kata, even after one of them failed",
    )
    group.addoption(
        "--stop-at-first-failure",
        action="store_true",
        help="skip a kata's later tests once one fails, also with --solutions or --impl",
    )
    group.addoption(
        "--dojo-report",
        metavar="FILE",
        help="write every test's outcome and message as JSON to FILE",
    )


def _impls_from_config(config) -> dict[str, list[Impl]]:
    impls: dict[str, list[Impl]] = {}
    for module in config.getoption("impl"):
        kata = kata_of_module(module)
        if kata is None:
            raise pytest.UsageError(f"--impl {module}: no kata package (kNN_name) in its name")
        impls.setdefault(kata, []).append(Impl(kata, module.rsplit(".", 1)[-1], module))
    plan = config.getoption("impl_plan")
    if plan:
        for entry in json.loads(Path(plan).read_text()):
            impl = Impl(
                entry["kata"],
                entry["id"],
                entry["module"],
                tuple(entry.get("only", ())),
                bool(entry.get("stop_first", False)),
            )
            impls.setdefault(impl.kata, []).append(impl)
    return impls


@pytest.hookimpl(tryfirst=True)  # before the terminal reporter reads its options
def pytest_configure(config):
    if config.getoption("no_daemon"):
        os.environ["DOJO_NO_DAEMON"] = "1"
    config._dojo_impls = _impls_from_config(config)
    config._dojo_results = []
    config._dojo_kata_seconds = {}  # kata -> wall seconds of its tests (dojo verify's costs)
    config._dojo_first_failures = {}  # (kata, implementation) -> the test that failed first
    config._dojo_stops_at_first_failure = _stops_at_first_failure(config)
    config._dojo_overview = _overview_wanted(config)
    if config._dojo_overview:
        # Many katas at once: one line per kata at the end (pytest_terminal_summary) instead
        # of a block per failing test. `-v`, or a single kata, keeps the full detail.
        config.option.tbstyle = "no"
        config.option.reportchars = ""
        config.option.verbose = -1


def _stops_at_first_failure(config) -> bool:
    if config.getoption("all_tests"):
        return False
    if config.getoption("stop_at_first_failure"):
        return True
    # Checking many implementations, or grading: every test's verdict counts.
    grading = config.pluginmanager.has_plugin("dojo.grade.plugin")
    return not (config.getoption("solutions") or config._dojo_impls or grading)


def _overview_wanted(config) -> bool:
    if config.getoption("solutions") or config._dojo_impls or config.getoption("dojo_report"):
        return False
    if config.getoption("verbose") > 0:
        return False
    katas: set[str] = set()
    for arg in config.args:
        path = Path(arg.split("::")[0]).resolve()
        kata = kata_of_path(path)
        if kata:
            katas.add(kata)
        elif path.is_dir():
            katas.update(p.name for p in path.iterdir() if KATA_DIR_NAME.match(p.name))
    return len(katas) > 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if config._dojo_overview and config._dojo_results:
        from dojo.kata.overview import overview

        terminalreporter.write_sep("=", "katas")
        terminalreporter.write_line(overview(config._dojo_results))
        return
    not_run: dict[tuple[str, str | None], list[str]] = {}
    for r in config._dojo_results:
        if r["outcome"] == NOT_RUN:
            not_run.setdefault((r["kata"], r["impl"]), []).append(r["test"])
    for key, names in not_run.items():
        kata, impl = key
        where = kata if impl is None else f"{kata} [{impl}]"
        first = config._dojo_first_failures[key]
        # One line per kata: each names the failure that holds back that kata's own tests.
        terminalreporter.write_line(
            f"Not run yet in {where}: {', '.join(names)}. Fix {first} first; they run once it "
            "passes (--all-tests runs them all now)."
        )


def _first_failure_key(item) -> tuple[str | None, str | None]:
    impl = getattr(getattr(item, "callspec", None), "params", {}).get("kata")
    return kata_of_path(Path(str(item.path))), impl.id if isinstance(impl, Impl) else None


@pytest.hookimpl(tryfirst=True)  # before any fixture: a test not run starts nothing
def pytest_runtest_setup(item):
    config = item.config
    impl = getattr(getattr(item, "callspec", None), "params", {}).get("kata")
    stop_first = isinstance(impl, Impl) and impl.stop_first
    if not (config._dojo_stops_at_first_failure or stop_first):
        return
    key = _first_failure_key(item)
    first = config._dojo_first_failures.get(key)
    if key[0] is None or first is None:
        return
    config._dojo_results.append(
        {
            "nodeid": item.nodeid,
            "kata": key[0],
            "test": item.originalname,
            "impl": key[1],
            "when": "setup",
            "outcome": NOT_RUN,
            "not_done": False,
            "message": f"not run: {first} failed first",
            "duration": 0.0,
        }
    )
    pytest.skip(f"not run: fix {first} first (--all-tests runs every test)")


def default_module(config, kata: str) -> str:
    root = "solutions" if config.getoption("solutions") else "katas"
    return f"{root}.{kata}.kata"


def pytest_generate_tests(metafunc):
    if "kata" not in metafunc.fixturenames:
        return
    kata = kata_of_path(Path(str(metafunc.definition.path)))
    impls = metafunc.config._dojo_impls.get(kata)
    if impls:
        metafunc.parametrize("kata", impls, ids=[i.id for i in impls], indirect=True)


def pytest_collection_modifyitems(config, items):
    if not config._dojo_impls:
        return
    keep, drop = [], []
    for item in items:
        impl = getattr(getattr(item, "callspec", None), "params", {}).get("kata")
        if isinstance(impl, Impl) and impl.only and item.originalname not in impl.only:
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


# -- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def ray_cluster(request):
    """One Ray runtime for the whole session (start-up costs seconds; connecting is cheap):
    the checkout's reused head unless RAY_ADDRESS or --no-daemon says otherwise, and a line
    saying which."""
    description = ray_runtime.start_or_connect()
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is not None:
        # Fixtures run with the output captured: the line must go past the capture.
        with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
            reporter.write_line(f"Ray: {description}")
    yield description
    ray_runtime.disconnect()


@pytest.fixture
def kata(request):
    """The module under test for this kata: yours, the solution, or a checked variant.
    Ray is started (or connected) first, unless the test is marked `no_ray` (a pure kata:
    its feedback then takes a fraction of a second instead of Ray's start-up)."""
    if request.node.get_closest_marker("no_ray") is None:
        request.getfixturevalue("ray_cluster")
    impl = getattr(request, "param", None)
    kata_name = kata_of_path(Path(str(request.node.path)))
    module = impl.module if isinstance(impl, Impl) else default_module(request.config, kata_name)
    loaded = importlib.import_module(module)
    request.node.stash[LEARNER_FILES] = _code_under_test(loaded, request.node.path)
    return loaded


def _code_under_test(module, tests_file: Path) -> set[str]:
    """The files whose frames are the learner's: the module's folder (kata.py and any given
    module next to it), and the kata folder's given modules; never the test file."""
    folders = {Path(module.__file__).parent, Path(str(tests_file)).parent}
    return {
        str(path.resolve())
        for folder in folders
        for path in folder.glob("*.py")
        if not path.name.startswith("test_")
    }


@pytest.fixture
def make_probe(ray_cluster):
    """Create probes for this test; they are killed when it ends, whatever happened."""
    from dojo.harness import slowness
    from dojo.harness.probes import Probe

    made: list[Probe] = []

    def make(**options) -> Probe:
        probe = Probe.create(**options)
        made.append(probe)
        slowness.watch(probe)  # the test's time limits forgive what the machine was slow
        return probe

    yield make
    slowness.stop()
    for probe in made:
        probe.release()


# optionalhook: pytest-timeout declares these hooks (it may be disabled: -p no:timeout).
@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_timeout_set_timer(item, settings):
    """pytest's limit for a test, forgiving the seconds the machine was slow (as a kata's
    own limits do, dojo/harness/slowness.py): when the alarm rings early for that reason it
    is set again for the rest. Only the signal method, in the main thread; otherwise
    pytest-timeout sets its own timer (None)."""
    import signal
    import threading

    from dojo.harness import slowness

    slowness.set_test_limit(settings.timeout)
    try:
        from pytest_timeout import timeout_sigalrm
    except ImportError:  # a pytest-timeout without it: its own timer, not forgiving
        return None
    if settings.method != "signal" or threading.current_thread() is not threading.main_thread():
        return None

    def ring(signum, frame):
        __tracebackhide__ = True
        ends = slowness.test_ends()  # None once the test's limit was lifted
        left = 0.0 if ends is None else ends - time.monotonic()
        if left > 0.01:
            signal.setitimer(signal.ITIMER_REAL, left)
            return
        timeout_sigalrm(item, settings)

    def cancel():
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)

    item.cancel_timeout = cancel
    signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, settings.timeout)
    return True


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_timeout_cancel_timer(item):
    from dojo.harness import slowness

    slowness.set_test_limit(None)  # None: pytest-timeout's own hook calls item.cancel_timeout


@pytest.fixture(autouse=True)
def _wait_for_leftover_work():
    """Keep katas independent: a test that leaves CPU-holding tasks behind (a failed or
    deadlocked attempt) must not slow the next one down. Embedded Ray only: on a shared
    cluster other people's work holds CPUs too."""
    yield
    ray = sys.modules.get("ray")  # a pure kata's test never started Ray: nothing to wait for
    if ray is None or not ray.is_initialized() or ray_runtime.is_external():
        return

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        free = ray.available_resources().get("CPU", 0)
        if free >= ray.cluster_resources().get("CPU", 0):
            return
        time.sleep(0.05)


# -- reporting ---------------------------------------------------------------------------


def _not_done_message(excinfo) -> str | None:
    exc = excinfo.value if excinfo else None
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, NotDoneYet):
            return str(getattr(exc, "cause", None) or exc).splitlines()[-1]
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def _plain_report(item, call, longrepr: str):
    """A failed report built without pytest's traceback formatting (which re-parses the
    source of every frame: slow, noisy, and exposed to the CPython bug below)."""
    from _pytest.reports import TestReport

    return TestReport(
        nodeid=item.nodeid,
        location=item.location,
        keywords={name: 1 for name in item.keywords},
        outcome="failed",
        longrepr=longrepr,
        when=call.when,
        # pytest keeps (when, key, content) per item but reports carry (title, content).
        sections=[(f"Captured {key} {when}", text) for when, key, text in item._report_sections],
        duration=call.duration,
        start=call.start,
        stop=call.stop,
        user_properties=item.user_properties,
    )


def _crash_lesson(item, call) -> str | None:
    """A short report of an exception that the code under test raised (its own line, the
    exception, a lesson for known crash patterns), or None to keep pytest's report."""
    from _pytest.outcomes import OutcomeException

    from dojo.harness.crash import explain

    error = call.excinfo.value
    if call.when != "call" or isinstance(error, OutcomeException | KeyboardInterrupt):
        return None
    files = item.stash.get(LEARNER_FILES, set())
    return explain(error, files) if files else None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    # A kata's whole time here, fixtures and their teardown included: how long the kata
    # holds a `dojo verify` shard (dojo/kata/verify.py balances its shards by it).
    started = time.monotonic()
    try:
        return (yield)
    finally:
        kata = kata_of_path(Path(str(item.path)))
        if kata:
            seconds = item.config._dojo_kata_seconds
            seconds[kata] = seconds.get(kata, 0.0) + time.monotonic() - started


# pytest only reads hooks named pytest_*; specname maps these onto the real hook.
@pytest.hookimpl(specname="pytest_runtest_makereport", tryfirst=True)
def pytest_runtest_makereport__short_when_not_done(item, call):
    if not call.excinfo:
        return None
    message = _not_done_message(call.excinfo)
    if not message:
        crash = _crash_lesson(item, call)
        return _plain_report(item, call, crash) if crash else None
    kata = kata_of_path(Path(str(item.path)))
    return _plain_report(
        item,
        call,
        f"NOT DONE YET: {message.removeprefix('not done yet: ')}\n"
        f"  Read katas/{kata}/README.md, then replace the todo() call with your code.",
    )


@pytest.hookimpl(specname="pytest_runtest_makereport", wrapper=True)
def pytest_runtest_makereport__record(item, call):
    from _pytest.reports import TestReport

    # CPython 3.11 keeps the AST builder's recursion counter per interpreter, not per
    # thread (python/cpython#106905): when a Ray thread formats a traceback while pytest
    # formats one, ast.parse fails with "AST constructor recursion depth mismatch" and
    # pytest aborts the whole session (INTERNALERROR). Retry, then fall back to a plain text.
    try:
        report = yield
    except SystemError as error:
        report = None
        for _attempt in range(3):
            time.sleep(0.05)
            try:
                report = TestReport.from_item_and_call(item, call)
                break
            except SystemError:
                continue
        if report is None:
            import traceback

            text = "".join(traceback.format_exception_only(call.excinfo.value))
            report = _plain_report(item, call, f"{text}\n(traceback omitted: {error})")
    kata = kata_of_path(Path(str(item.path)))
    if kata and report.failed:
        item.config._dojo_first_failures.setdefault(_first_failure_key(item), item.originalname)
    if kata and (call.when == "call" or report.failed):
        impl = getattr(getattr(item, "callspec", None), "params", {}).get("kata")
        item.config._dojo_results.append(
            {
                "nodeid": report.nodeid,
                "kata": kata,
                "test": item.originalname,
                "impl": impl.id if isinstance(impl, Impl) else None,
                "when": call.when,
                "outcome": report.outcome,
                "not_done": bool(call.excinfo and _not_done_message(call.excinfo)),
                "message": report.longreprtext if report.failed else "",
                "duration": round(report.duration, 3),
            }
        )
        board_reporter.record(item, item.config._dojo_results[-1])  # the class board, if any
    return report


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    board_reporter.finish(config)
    learner_run = not config.getoption("solutions") and not config._dojo_impls
    if learner_run and config._dojo_results:
        from dojo.kata.progress import record
        from dojo.paths import KATAS_DIR

        record(config._dojo_results, KATAS_DIR)
    path = config.getoption("dojo_report")
    if path:
        Path(path).write_text(
            json.dumps(
                {
                    "exitstatus": int(exitstatus),
                    "results": config._dojo_results,
                    "kata_seconds": {k: round(v, 2) for k, v in config._dojo_kata_seconds.items()},
                }
            )
        )
