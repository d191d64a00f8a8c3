"""The self-check gives each of its pytest sessions a Ray of its own (DOJO_NO_DAEMON): it runs
many at once, some in throwaway copies of the repository, where a reused head would only be
fought over and then linger. The reused head has tests of its own (tests/test_daemon.py)."""

import os

os.environ.setdefault("DOJO_NO_DAEMON", "1")

from tests.kata_plan import PLAN

KATA_PLAN_TESTS = "tests/test_katas.py"

# Test files that start Ray heads or whole pytest or crawl processes of their own, and so load
# the two cores the most (seconds each in a whole self-check, beside the plan, on 2026-12-07:
# 253, 188, 188, 165, 132 and 85 of the rest's 1723). Beside the plan's three shards they drove
# the load average past 30 and made kata verdicts flaky: they run after it, on a quiet machine.
AFTER_THE_PLAN = (
    "tests/test_bench.py",
    "tests/test_board_cluster.py",
    "tests/test_daemon.py",
    "tests/test_grade_hostile.py",
    "tests/test_crawl_resume.py",
    "tests/test_cluster_mode.py",
    # Grading a class starts a Ray per learner. Beside the plan (load average past 50 on two
    # cores) a correct learner's first task waited over 20 s for its worker and its kata.py
    # over 60 s to import: graded "fail" and "error" (CI on b8054b9; test_grade's class took
    # 160 s to grade there). The grader's own limits are the product's; on a quiet machine they
    # hold.
    "tests/test_grade.py",
    "tests/test_grade_sandbox.py",
    # Starts a head and three Ray workers to kill, in a subprocess with a 100 s limit: beside
    # the plan it took 57 s, then over 100 s (CI on 44a5f46); about 23 s quiet.
    "tests/test_ray_processes.py",
    # Its rotate and overrun tests start a head of their own: beside the plan one took over
    # 60 s to be ready (CI on 22bc5f2).
    "tests/test_watch.py",
)


# Where a self-check's time goes (issue 13: it should take minutes, not half an hour): the
# slowest tests are listed at the end of every plain `pytest`, so each CI log holds the
# numbers. A --durations given on the command line wins.
SLOWEST_LISTED = 40


def pytest_configure(config):
    if config.option.durations is None:
        config.option.durations = SLOWEST_LISTED


def _is_plan_test(item) -> bool:
    return item.nodeid.startswith(KATA_PLAN_TESTS + "::")


def _turn(item) -> int:
    """0: beside the plan; 1: the plan's own tests; 2: after the plan."""
    if _is_plan_test(item):
        return 1
    return 2 if item.nodeid.split("::")[0] in AFTER_THE_PLAN else 0


def pytest_collection_modifyitems(session, config, items):
    # The kata plan runs in the background from the start (tests/kata_plan.py): the light
    # tests run beside it, its own tests then read its verdicts when it is done, and the
    # heavy ones come last (AFTER_THE_PLAN). A session without the plan keeps its order.
    if any(map(_is_plan_test, items)):
        items.sort(key=_turn)


def pytest_collection_finish(session):
    if not session.config.option.collectonly and any(map(_is_plan_test, session.items)):
        PLAN.start()


def pytest_sessionfinish(session, exitstatus):
    PLAN.stop()  # a session that ends early (Ctrl-C, -x) leaves no shard running


def pytest_terminal_summary(terminalreporter):
    line = PLAN.timing()
    if line:
        terminalreporter.write_line(line)
