"""The class board's state (dojo/board/state.py): how reports fill the grid, and which reports
it refuses, saying why and counting them. No Ray, no server: the rules alone."""

import pytest

from dojo.board.state import (
    MAX_BATCH,
    MAX_LEARNERS,
    MAX_LESSON_CHARS,
    MAX_LESSON_LINES,
    BoardState,
)

KATAS = [
    {"slug": "k01_one", "number": 1, "title": "One", "tests": ["test_a", "test_b", "test_c"]},
    {"slug": "k02_two", "number": 2, "title": "Two", "tests": ["test_x"]},
]
ALICE, BOB = "a1" * 16, "b2" * 16


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def board(clock):
    return BoardState(KATAS, clock=clock)


def report(learner="alice", token=ALICE, kata="k01_one", test="test_a", outcome="passed",
           lesson="", digest="d1"):  # fmt: skip
    return {"learner": learner, "token": token, "kata": kata, "test": test,
            "outcome": outcome, "lesson": lesson, "digest": digest}  # fmt: skip


def cell(board, learner="alice", kata="k01_one"):
    row = next(r for r in board.snapshot()["learners"] if r["name"] == learner)
    return row["cells"].get(kata)


def test_every_test_passed_makes_the_kata_passed_and_counts_it_in_the_total(board, clock):
    board.report([report(test=t) for t in ("test_a", "test_b")])
    assert cell(board)["state"] == "failing"  # test_c has not passed yet
    assert cell(board)["failure"]["test"] == "test_c"
    clock.now = 1005.0
    assert board.report([report(test="test_c")]) == {"accepted": 1, "refused": []}
    assert cell(board) == {"state": "passed", "passed": 3, "total": 3, "last_run": 1005.0,
                           "failure": None}  # fmt: skip
    totals = {k["slug"]: k["passed"] for k in board.snapshot()["katas"]}
    assert totals == {"k01_one": 1, "k02_two": 0}


def test_a_failing_kata_shows_its_first_failing_test_in_file_order_and_its_lesson(board):
    board.report([
        report(test="test_c", outcome="failed", lesson="C's lesson"),
        report(test="test_b", outcome="failed", lesson="B's lesson\nsecond line"),
        report(test="test_a"),
    ])  # fmt: skip
    assert cell(board)["failure"] == {"test": "test_b", "lesson": "B's lesson\nsecond line"}
    assert cell(board)["passed"] == 1


def test_not_done_everywhere_is_not_attempted_and_a_failure_outranks_not_done(board):
    board.report([report(test="test_a", outcome="not_done", lesson="NOT DONE YET")])
    assert cell(board)["state"] == "not_attempted"
    board.report([report(test="test_b", outcome="failed", lesson="wrong")])
    assert cell(board)["state"] == "failing"
    assert cell(board)["failure"]["test"] == "test_b"  # not test_a's todo()


def test_a_new_kata_py_starts_the_kata_afresh(board):
    board.report([report(test=t) for t in ("test_a", "test_b", "test_c")])
    assert cell(board)["state"] == "passed"
    board.report([report(test="test_a", outcome="failed", lesson="oops", digest="d2")])
    assert cell(board)["passed"] == 0  # the old passes were about another kata.py
    assert cell(board)["failure"]["test"] == "test_a"


def test_a_later_outcome_replaces_the_earlier_one(board):
    board.report([report(test="test_a", outcome="failed", lesson="first try")])
    board.report([report(test="test_a")])
    assert cell(board)["passed"] == 1
    assert cell(board)["failure"]["test"] == "test_b"


def test_learners_are_rows_sorted_by_name_and_untouched_katas_have_no_cell(board):
    board.report([report(learner="zoe", token=BOB), report(learner="Bea", token=BOB)])
    board.report([report()])
    snapshot = board.snapshot()
    assert [r["name"] for r in snapshot["learners"]] == ["alice", "Bea", "zoe"]
    assert set(snapshot["learners"][0]["cells"]) == {"k01_one"}


def test_a_row_belongs_to_the_token_of_its_first_report(board):
    board.report([report()])
    answer = board.report([report(token=BOB, outcome="failed", lesson="fake")])
    assert answer["accepted"] == 0
    assert "belongs to another learner's token" in answer["refused"][0]
    assert cell(board)["passed"] == 1
    refused = board.snapshot()["refused"]
    assert refused["by_reason"] == {"not_your_row": 1}
    assert refused["recent"][0]["learner"] == "alice"


def test_the_facilitator_can_free_a_row_for_a_new_token(board):
    board.report([report()])
    assert board.forget("alice") is True
    assert board.report([report(token=BOB)])["accepted"] == 1
    assert board.forget("nobody") is False


BAD_REPORTS = {
    "not a dict": ("malformed", "just text"),
    "missing field": ("malformed", {k: v for k, v in report().items() if k != "digest"}),
    "extra field": ("malformed", {**report(), "admin": True}),
    "bad name": ("bad_learner", report(learner="<script>")),
    "long name": ("bad_learner", report(learner="x" * 33)),
    "name not text": ("bad_learner", report(learner=["alice"])),
    "short token": ("bad_token", report(token="abc")),
    "unknown kata": ("unknown_kata", report(kata="k99_nope")),
    "bad test name": ("malformed", report(test="test a; rm -rf")),
    "bad outcome": ("malformed", report(outcome="great")),
    "lesson not text": ("malformed", report(outcome="failed", lesson=42)),
    "long lesson": ("oversized", report(outcome="failed", lesson="x" * (MAX_LESSON_CHARS + 1))),
    "many lines": ("oversized", report(outcome="failed", lesson="x\n" * MAX_LESSON_LINES)),
    "bad digest": ("malformed", report(digest="not hex!")),
}


@pytest.mark.parametrize("reason, payload", BAD_REPORTS.values(), ids=BAD_REPORTS)
def test_a_bad_report_is_refused_with_a_reason_and_counted(board, reason, payload):
    before = board.version
    answer = board.report([payload, report(learner="good", token=BOB)])
    assert answer["accepted"] == 1  # its neighbour in the batch still counts
    assert len(answer["refused"]) == 1 and answer["refused"][0]
    assert board.snapshot()["refused"]["by_reason"] == {reason: 1}
    assert [r["name"] for r in board.snapshot()["learners"]] == ["good"]
    assert board.version > before


@pytest.mark.parametrize(
    "payloads", ["one report", [report()] * (MAX_BATCH + 1)], ids=["not-a-list", "too-many"]
)
def test_a_call_that_is_not_a_list_of_reports_or_too_long_is_refused_whole(board, payloads):
    answer = board.report(payloads)
    assert answer["accepted"] == 0 and len(answer["refused"]) == 1
    assert board.snapshot()["learners"] == []
    assert board.snapshot()["refused"]["total"] == 1


def test_the_board_takes_a_bounded_number_of_learners(board):
    for n in range(MAX_LEARNERS):
        board.report([report(learner=f"l{n}", token=BOB)])
    answer = board.report([report(learner="one-too-many", token=BOB)])
    assert "board has" in answer["refused"][0]
    assert len(board.snapshot()["learners"]) == MAX_LEARNERS


def test_recent_refusals_are_kept_bounded(board):
    for _ in range(100):
        board.report([report(learner="?")])
    refused = board.snapshot()["refused"]
    assert refused["total"] == 100
    assert len(refused["recent"]) < 100


def randori(**changes):
    payload = {"learner": "alice", "token": ALICE, "kata": "k02_two", "driver": 3,
               "seconds_left": 90.0, "period": 300.0, "summary": "0 of 1 tests pass",
               "active": True}  # fmt: skip
    return {**payload, **changes}


def test_a_randori_shows_its_kata_driver_and_rotation_due_time(board, clock):
    assert board.randori(randori())["accepted"] == 1
    row = board.snapshot()["learners"][0]
    assert row["randori"] == {"kata": "k02_two", "driver": 3, "deadline": 1090.0,
                              "period": 300.0, "summary": "0 of 1 tests pass",
                              "active": True}  # fmt: skip
    board.randori(randori(active=False))
    assert board.snapshot()["learners"][0]["randori"]["active"] is False


@pytest.mark.parametrize(
    "changes",
    [{"token": BOB}, {"driver": "3"}, {"period": 0}, {"kata": "k99"}, {"kata": ["k02_two"]},
     {"summary": "x" * 301}, {"active": "yes"}, {"period": float("nan")}, {"extra": 1}],
    ids=str,
)  # fmt: skip
def test_a_bad_randori_update_is_refused_and_counted(board, changes):
    board.report([report()])  # alice's row, bound to ALICE
    assert board.randori(randori(**changes))["accepted"] == 0
    assert board.snapshot()["refused"]["total"] == 1
    assert board.snapshot()["learners"][0]["randori"] is None


def test_the_version_grows_with_every_visible_change_only(board):
    versions = [board.version]
    board.report([report()])
    versions.append(board.version)
    board.snapshot()
    versions.append(board.version)
    board.report([report(token=BOB)])  # refused: the refusal count changed
    versions.append(board.version)
    assert versions[0] < versions[1] == versions[2] < versions[3]
