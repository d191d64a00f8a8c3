"""`dojo grade` cannot be stopped by a submission: each thing that once stopped grading for
the whole class (issue 12) is now that learner's own outcome, and grading goes on.

No Ray here: events, names, files and grades are fed to the grader's parts directly; the
learner's test run itself is replaced where a test needs one (`run_katas`).
"""

from __future__ import annotations

import csv
import io
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rich.console import Console

from dojo.grade import class_run as grade
from dojo.grade import cli, events, precheck, report
from dojo.grade.events import EventTail
from dojo.grade.learner_run import Cancelled, KataRun, Limits
from dojo.grade.learner_run import TestOutcome as Outcome  # not collected as a test class
from dojo.grade.text import FIELD_LIMIT, csv_cell, cut, printable_name, printable_path
from dojo.kata.catalogue import find
from dojo.paths import REPO_ROOT

K01, K02 = find(1), find(2)
SOLUTION_01 = (REPO_ROOT / "solutions" / K01.slug / "kata.py").read_text()
NODE = f"katas/{K01.slug}/test_kata.py::{K01.test_names()[0]}[kata]"


def _grade(name: str, message: str, *, status: str = "fail", tests: int = 1, output: str = ""):
    """A learner's grade on kata 01 whose tests all ended with `message`."""
    outcomes = [
        Outcome(K01.slug, K01.test_names()[0], "kata", status, message, output)
        for _ in range(tests)
    ]
    kata = grade.KataGrade(K01, status, 0, K01.points, outcomes)
    return grade.LearnerGrade(grade.Learner(name, Path("/nowhere")), [kata])


def _checkout(folder: Path, text: str = SOLUTION_01) -> Path:
    (folder / K01.slug).mkdir(parents=True)
    (folder / K01.slug / "kata.py").write_text(text)
    return folder


# -- 1. a lone surrogate in what the learner's code says ------------------------------------


def test_a_lone_surrogate_is_written_as_an_escape_everywhere(tmp_path):
    g = _grade("ann", 'ValueError: \udcff in "\x00\x1b"', status="error", output="out \udcff")
    folder = report.write_learner(g, tmp_path, junit=True)
    data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    assert data["tests"][0]["message"] == 'ValueError: \\udcff in "\x00\x1b"'
    assert data["message"].endswith('ValueError: \\udcff in "\x00\x1b"')
    failure = ET.parse(folder / "junit.xml").getroot().find("testsuite/testcase/error")
    assert "\\udcff" in failure.text and "\\x00" in failure.text
    report.write_csv([g], [K01], tmp_path / "summary.csv")
    assert list(csv.reader((tmp_path / "summary.csv").open()))[1][0] == "ann"
    assert not list(tmp_path.glob("**/.*.partial")), "results are written by rename"


def test_event_text_is_cleaned_as_it_is_read(tmp_path):
    log = tmp_path / "events.jsonl"
    report_event = _report(NODE, message="ValueError: \udcff")
    log.write_text(_lines(_collected(NODE), report_event))
    read = EventTail(log).read()
    assert read[1]["message"] == "ValueError: \\udcff"
    json.dumps(read, ensure_ascii=False).encode("utf-8")  # encodable: writing cannot fail


# -- 2. kata.py that breaks the compiler ---------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x = " + "+".join(["1"] * 5000), "nested too deeply or is too long"),
        ("x = " + "-" * 100_000 + "1", "nested too deeply or is too long"),
        ("x = 1\0\n", "null bytes"),
        ("def f(:\n", "SyntaxError: invalid syntax"),
    ],
    ids=["5000-terms", "unary-chain", "nul-byte", "syntax"],
)
def test_whatever_compile_raises_is_the_kata_s_error(tmp_path, source, expected):
    kata = _checkout(tmp_path / "ann", source) / K01.slug / "kata.py"
    status, message = grade._precheck(K01, kata)
    assert status == "error" and expected in message and str(kata) in message


def test_a_syntax_error_on_a_huge_line_is_not_quoted(tmp_path):
    kata = _checkout(tmp_path / "ann", "x = [" * 5000 + "]" * 4999) / K01.slug / "kata.py"
    status, message = grade._precheck(K01, kata)
    assert status == "error" and "SyntaxError" in message and len(message) < 1000


# -- 3. the event log: a schema, drops counted ---------------------------------------------


def _collected(*nodeids: str) -> dict:
    tests = [{"nodeid": n, "kata": K01.slug, "test": "test_x", "param": "kata"} for n in nodeids]
    return {"event": "collected", "tests": tests}


def _report(nodeid: str, **fields) -> dict:
    event = {
        "event": "report", "nodeid": nodeid, "when": "call", "outcome": "passed",
        "message": "", "timed_out": False, "stdout": "", "duration": 0.5,
    }  # fmt: skip
    return {**event, **fields}


def _lines(*items) -> str:
    return "".join((i if isinstance(i, str) else json.dumps(i)) + "\n" for i in items)


def test_lines_that_are_not_the_plugin_s_are_dropped_and_counted(tmp_path):
    log = tmp_path / "events.jsonl"
    log.write_text(
        _lines(
            _collected(NODE),
            {"event": "start", "nodeid": NODE, "timeout": 30},
            "garbage, not JSON",
            "[" * 100_000,  # JSON nested too deeply for the parser
            '{"event": "report", "nodeid": "\\udcff"}',  # fields missing
            {"event": "no such kind"},
            ["a list"],
            _report("katas/elsewhere::test_forged"),  # a test never collected
            _report(NODE, outcome="won"),
            _report(NODE, duration=float("nan")),
            _report(NODE, timed_out=1),
            _report(NODE, message="x" * (FIELD_LIMIT * 2)),
            {"event": "start", "nodeid": NODE},  # a field missing
            _collected(NODE, "katas/forged::test_more"),
            _report(NODE, extra="ignored"),
            {"event": "finish", "nodeid": NODE},
            {"event": "done", "exitstatus": 0},
        )
    )
    tail = EventTail(log)
    read = tail.read()
    assert [e["event"] for e in read] == [
        "collected", "start", "report", "finish", "done", events.DROPPED
    ]  # fmt: skip
    assert "extra" not in read[2]
    assert tail.dropped == {
        "not an event (bad JSON)": 2,
        "unknown event kind": 2,
        "unknown test id": 1,
        "bad field": 5,
        "oversized field": 1,
        "collected twice": 1,
    }
    run = KataRun()
    in_progress, done = events.apply_events(run, read)
    assert (in_progress, done) == (None, True)
    assert run.tests[NODE].status == "pass"
    assert sum(run.dropped_events.values()) == 12
    note = events.describe_dropped(run.dropped_events)
    assert note.startswith("12 lines of the test run's event log were dropped (")
    assert "1 unknown test id" in note


def test_an_oversized_line_is_skipped_without_being_held(tmp_path):
    log = tmp_path / "events.jsonl"
    with open(log, "w") as f:
        f.write(_lines(_collected(NODE)))
        f.write("y" * (events.LINE_LIMIT * 3))  # no end of line yet
    tail = EventTail(log)
    assert [e["event"] for e in tail.read()] == ["collected"]
    with open(log, "a") as f:
        f.write("still the same line\n" + _lines({"event": "finish", "nodeid": NODE}))
    assert [e["event"] for e in tail.read()] == ["finish", events.DROPPED]
    assert tail.dropped == {"oversized line": 1}


def test_a_line_still_being_written_waits_for_its_end(tmp_path):
    log = tmp_path / "events.jsonl"
    whole = _lines(_collected(NODE), {"event": "finish", "nodeid": NODE})
    log.write_text(whole[:-10])
    tail = EventTail(log)
    assert [e["event"] for e in tail.read()] == ["collected"]
    log.write_text(whole)
    assert [e["event"] for e in tail.read()] == ["finish"] and not tail.dropped


def test_dropped_lines_become_a_note_in_the_learner_s_result(tmp_path, monkeypatch):
    def fake_run(package, root, katas, **_):
        run = KataRun(dropped_events={"unknown test id": 3})
        for name in K01.test_names():
            run.tests[name] = Outcome(K01.slug, name, "kata", "pass")
        return run

    monkeypatch.setattr(grade, "run_katas", fake_run)
    (learner,) = grade.learners_from([_checkout(tmp_path / "ann")])
    g = grade.grade_learner(learner, [K01], 0, tmp_path / "work", address=None)
    assert g.status == "pass" and g.points == K01.points
    assert g.notes and "3 lines of the test run's event log were dropped" in g.notes[0]
    assert report.results_json(g)["notes"] == g.notes


# -- 4. names: printable, unique, the mapping shown ----------------------------------------


def test_names_are_printable_and_unique_and_say_why_they_changed(tmp_path):
    klass = tmp_path / "class"
    not_utf8 = os.fsdecode(os.path.join(os.fsencode(klass), b"caf\xe9"))
    _checkout(Path(not_utf8))
    _checkout(klass / "caf\\xe9")  # the escaped name, literally: must not share a folder
    _checkout(klass / "Ann")
    _checkout(klass / "ann")
    _checkout(klass / "summary.csv")  # the grader writes a file of that name
    _checkout(klass / "tab\there")
    found = grade.find_learners([klass])
    names = {ln.folder.name: ln for ln in found.learners}
    assert sorted(ln.name for ln in found.learners) == sorted(
        ["Ann-1", "ann-2", "caf\\xe9-1", "caf\\xe9-2", "summary.csv-2", "tab\\there"]
    )
    assert names[os.path.basename(not_utf8)].renamed.startswith("the folder's name is not")
    assert "2 folders share the name 'ann'" in names["ann"].renamed
    assert "2 folders share the name 'Ann'" in names["Ann"].renamed
    assert "already taken" in names["summary.csv"].renamed
    for ln in found.learners:
        ln.name.encode("utf-8")  # printable: no surrogate left


@pytest.mark.parametrize(
    ("char", "escape"),
    [
        ("\u200b", "\\u200b"),  # zero-width space (Cf)
        ("\u202e", "\\u202e"),  # right-to-left override (Cf)
        ("\u2028", "\\u2028"),  # line separator (Zl)
        ("\u2029", "\\u2029"),  # paragraph separator (Zp)
        ("\u00a0", "\\u00a0"),  # no-break space (whitespace, not a plain space)
        ("\u3000", "\\u3000"),  # ideographic space
        ("\ue000", "\\ue000"),  # private use (Co)
        ("\u0378", "\\u0378"),  # unassigned (Cn)
        ("\U000e0001", "\\U000e0001"),  # language tag (Cf, beyond the BMP)
        ("\x85", "\\x85"),  # next line (Cc)
        ("\x1b", "\\x1b"),  # escape (Cc)
    ],
)
def test_characters_not_plainly_visible_are_escaped_in_names_and_csv_cells(char, escape):
    assert printable_name(f"hon{char}est") == f"hon{escape}est"
    assert csv_cell(f"hon{char}est") == f"hon{escape}est"
    assert printable_path(f"a/hon{char}est") == f"a/hon{escape}est"


def test_visible_text_is_kept_as_it_is():
    for text in ("ann", "Zoë Ångström", "名前", "a b", "café-2", "ünïcödé ok"):
        assert printable_name(text) == text and csv_cell(text) == text


def test_an_invisible_character_cannot_pass_for_a_classmate(tmp_path):
    klass = tmp_path / "class"
    _checkout(klass / "honest")
    _checkout(klass / "honest\u200b")
    _checkout(klass / "\u202ehonest")
    found = grade.find_learners([klass])
    names = {ln.folder.name: ln.name for ln in found.learners}
    assert names == {
        "honest": "honest",
        "honest\u200b": "honest\\u200b",
        "\u202ehonest": "\\u202ehonest",
    }
    path = tmp_path / "summary.csv"
    summary = report.SummaryCsv([K01], path)
    for learner in found.learners:
        summary.add(_grade(learner.name, "wrong"))
    summary.close()
    text = path.read_text(encoding="utf-8")
    assert "\u200b" not in text and "\u202e" not in text
    assert sorted(row["learner"] for row in csv.DictReader(io.StringIO(text))) == sorted(
        names.values()
    )


def test_a_look_alike_in_another_case_does_not_keep_the_bare_name(tmp_path):
    klass = tmp_path / "class"
    for name in ("honest", "HONEST", "zed"):
        _checkout(klass / name)
    found = grade.find_learners([klass])
    by_folder = {ln.folder.name: ln for ln in found.learners}
    assert {f: ln.name for f, ln in by_folder.items()} == {
        "HONEST": "HONEST-1",  # found first: folders are taken in sorted order
        "honest": "honest-2",
        "zed": "zed",
    }
    for folder in ("honest", "HONEST"):
        assert "2 folders share the name" in by_folder[folder].renamed
    assert by_folder["zed"].renamed == ""
    # Stable: the same folders, the same names.
    again = {ln.folder.name: ln.name for ln in grade.find_learners([klass]).learners}
    assert again == {f: ln.name for f, ln in by_folder.items()}


def test_a_numbered_name_never_takes_a_folder_s_own_name(tmp_path):
    klass = tmp_path / "class"
    for name in ("ann", "Ann", "ann-1", "summary.csv", "summary.csv-2"):
        _checkout(klass / name)
    found = grade.find_learners([klass])
    names = {ln.folder.name: ln.name for ln in found.learners}
    assert names == {
        "Ann": "Ann-2",
        "ann": "ann-3",
        "ann-1": "ann-1",
        "summary.csv": "summary.csv-3",
        "summary.csv-2": "summary.csv-2",
    }


# -- 5. a grader failure is one learner's error --------------------------------------------


def test_an_unexpected_exception_is_that_learner_s_error(tmp_path, monkeypatch):
    def broken_run(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(grade, "run_katas", broken_run)
    (learner,) = grade.learners_from([_checkout(tmp_path / "ann")])
    g = grade.grade_learner(learner, [K01, K02], 0, tmp_path / "work", address=None)
    assert g.status == "error" and g.points == 0
    assert [kg.status for kg in g.katas] == ["error", "error"]
    assert "grading this learner failed (OSError: [Errno 28] No space left" in g.message
    assert "Traceback" in g.notes[0]
    json.dumps(report.results_json(g))


def test_an_interrupt_still_stops_grading(tmp_path, monkeypatch):
    def cancelled(*args, **kwargs):
        raise Cancelled

    monkeypatch.setattr(grade, "run_katas", cancelled)
    (learner,) = grade.learners_from([_checkout(tmp_path / "ann")])
    with pytest.raises(Cancelled):
        grade.grade_learner(learner, [K01], 0, tmp_path / "work", address=None)


# -- 6. outputs are capped -----------------------------------------------------------------


def test_messages_are_cut_and_results_json_is_bounded(tmp_path):
    g = _grade("ann", "m" * 100_000, output="o" * 100_000)
    test = report.results_json(g)["tests"][0]
    assert len(test["message"]) < FIELD_LIMIT + 50
    assert test["message"].endswith(f"…[{100_000 - FIELD_LIMIT} more characters cut]")
    assert len(test["output"]) == report.OUTPUT_LIMIT
    many = _grade("bo", "m" * FIELD_LIMIT, tests=300)
    text = (report.write_learner(many, tmp_path) / "results.json").read_text()
    assert len(text) <= report.RESULTS_LIMIT
    data = json.loads(text)
    assert "every message is cut" in data["notes"][-1] and len(data["tests"]) == 300


def test_the_plugin_cuts_what_it_logs():
    assert cut("x" * (FIELD_LIMIT + 5)) == "x" * FIELD_LIMIT + "…[5 more characters cut]"
    assert cut("short") == "short"


# -- 7. the summary CSV: as grading goes, formulas defused ---------------------------------


def test_csv_cells_cannot_be_formulas_and_rows_arrive_as_learners_finish(tmp_path):
    # A leading tab or CR is escaped (it hides), so no formula can start with it either.
    assert [csv_cell(c) for c in ("=1+2", "+x", "-x", "@x", "\tx", "\rx", "ann", 3)] == [
        "'=1+2", "'+x", "'-x", "'@x", "\\tx", "\\rx", "ann", 3
    ]  # fmt: skip
    path = tmp_path / "summary.csv"
    summary = report.SummaryCsv([K01], path)
    summary.add(_grade("=1+2", "wrong"))
    (row,) = csv.DictReader(path.open())  # before close: flushed at once
    assert row["learner"] == "'=1+2" and row["status"] == "fail"
    summary.close()


# -- 8. skipped folders are listed with the reason -----------------------------------------


def test_every_folder_not_graded_is_listed_with_its_reason(tmp_path):
    klass = tmp_path / "class"
    _checkout(klass / "ann")
    (klass / "empty").mkdir()
    _checkout(klass / "nested" / "ann-main" / "katas")
    (klass / "notes").mkdir()
    (klass / "notes" / "todo.txt").write_text("")
    _checkout(klass / ".hidden")
    (klass / "linked").symlink_to(klass / "ann")
    (klass / "README.md").write_text("files beside the learners are not folders")
    found = grade.find_learners([klass])
    assert [ln.name for ln in found.learners] == ["ann"]
    reasons = {s.folder.name: s.reason for s in found.skipped}
    assert reasons == {
        ".hidden": "a hidden folder",
        "empty": "an empty folder",
        "linked": "a symbolic link (not followed)",
        "nested": (
            "kata folders are nested deeper, in ann-main/katas/ (grade that folder, or move "
            "its kata folders up)"
        ),
        "notes": f"no kata folders (such as {min(s.slug for s in [K01, K02])}/) in it",
    }


def test_the_command_lists_skipped_folders_and_survives_a_learner_s_write_failure(
    tmp_path, monkeypatch
):
    klass = tmp_path / "class"
    _checkout(klass / "ann")
    _checkout(klass / "bo")
    (klass / "empty").mkdir()
    out = tmp_path / "grades"
    out.mkdir()
    (out / "ann").write_text("a file where ann's results folder goes")

    def fake_grade_all(learners, katas, *, on_done, **_):
        grades = [_grade(ln.name, "wrong") for ln in learners]
        for g in grades:
            on_done(g)
        return grades

    monkeypatch.setattr(cli, "grade_all", fake_grade_all)
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    console = Console(file=io.StringIO(), width=200)
    code = cli.run([str(klass)], ["1"], out, None, False, 1, Limits(), console)
    shown = console.file.getvalue()
    assert code == 0, shown
    assert "skipped 1 folder(s)" in shown and "empty: an empty folder" in shown
    assert (out / "skipped.txt").read_text().endswith("empty: an empty folder\n")
    assert "ann: its reports could not be written" in shown
    assert json.loads((out / "bo" / "results.json").read_text())["learner"] == "bo"
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert [r["learner"] for r in rows] == ["ann", "bo"]


# -- 9. symbolic links, special and oversized files are refused ----------------------------


def test_a_symlinked_kata_py_is_refused(tmp_path):
    solution = REPO_ROOT / "solutions" / K01.slug / "kata.py"
    for target in (Path("/etc/passwd"), solution):
        folder = tmp_path / target.parent.name / K01.slug
        folder.mkdir(parents=True)
        (folder / "kata.py").symlink_to(target)
        status, message = grade._precheck(K01, folder / "kata.py")
        assert status == "error"
        assert "kata.py is a symbolic link; hand in the file itself" in message


def test_a_symlinked_kata_folder_is_refused(tmp_path):
    (tmp_path / "ann").mkdir()
    (tmp_path / "ann" / K01.slug).symlink_to(REPO_ROOT / "solutions" / K01.slug)
    status, message = grade._precheck(K01, tmp_path / "ann" / K01.slug / "kata.py")
    assert status == "error" and "is a symbolic link; hand in the kata folder itself" in message


def test_special_and_oversized_files_are_refused(tmp_path):
    fifo = tmp_path / "fifo" / K01.slug / "kata.py"
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)  # reading it would block the grader forever
    assert "is not a regular file (it is a named pipe)" in grade._precheck(K01, fifo)[1]
    folder = tmp_path / "dir" / K01.slug / "kata.py"
    folder.mkdir(parents=True)
    assert "is not a regular file (it is a folder)" in grade._precheck(K01, folder)[1]
    big = _checkout(tmp_path / "big", "#" * (precheck.MAX_KATA_BYTES + 1)) / K01.slug / "kata.py"
    assert "is larger than 1000 KB" in grade._precheck(K01, big)[1]
    missing = tmp_path / "none" / K01.slug / "kata.py"
    assert grade._precheck(K01, missing)[0] == grade.NOT_ATTEMPTED


# -- 10. importing the reference solutions is refused --------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        f"from solutions.{K01.slug}.kata import *",
        "import solutions",
        f"import os, solutions.{K01.slug}.kata as answer",
        f"import importlib\nanswer = importlib.import_module('solutions.{K01.slug}.kata')",
        "answer = __import__('solutions')",
    ],
)
def test_importing_the_solutions_is_refused(tmp_path, line):
    kata = _checkout(tmp_path / "ann", f"{line}\n") / K01.slug / "kata.py"
    status, message = grade._precheck(K01, kata)
    assert status == "error" and "imports the reference solutions (line" in message


def test_no_reference_solution_is_refused():
    for kata in sorted((REPO_ROOT / "solutions").glob("k*/kata.py")):
        tree = precheck.compile_kata(kata.read_text(), kata)
        assert precheck.solution_imports(tree) == [], kata
