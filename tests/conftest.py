"""The self-check gives each of its pytest sessions a Ray of its own (DOJO_NO_DAEMON): it runs
many at once, some in throwaway copies of the repository, where a reused head would only be
fought over and then linger. The reused head has tests of its own (tests/test_daemon.py)."""

import os

os.environ.setdefault("DOJO_NO_DAEMON", "1")

from tests.kata_plan import PLAN

KATA_PLAN_TESTS = "tests/test_katas.py"


def _is_plan_test(item) -> bool:
    return item.nodeid.startswith(KATA_PLAN_TESTS + "::")


def pytest_collection_modifyitems(session, config, items):
    # The kata plan's tests last: the plan runs meanwhile (tests/kata_plan.py), so they read
    # its verdicts when it is done instead of waiting for it halfway through the session.
    items.sort(key=_is_plan_test)


def pytest_collection_finish(session):
    if not session.config.option.collectonly and any(map(_is_plan_test, session.items)):
        PLAN.start()


def pytest_sessionfinish(session, exitstatus):
    PLAN.stop()  # a session that ends early (Ctrl-C, -x) leaves no shard running


def pytest_terminal_summary(terminalreporter):
    line = PLAN.timing()
    if line:
        terminalreporter.write_line(line)
