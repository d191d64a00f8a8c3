"""What `dojo grade` writes: results.json per learner (exercism test-runner interface,
version 3, plus points), an optional JUnit XML per learner, and the class summary (a rich
table and a CSV file).

Much of the text comes from the learner's code, so every file is written whatever it holds
(dojo/grade/text.py): bad characters escaped, messages cut, results.json bounded in size and
replaced atomically (never left half-written), CSV cells defused for spreadsheets. The CSV
gets a row as each learner finishes (`SummaryCsv`), so an interrupted run keeps its rows.
"""

from __future__ import annotations

import ast
import csv
import functools
import json
import os
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

from dojo.grade.class_run import NOT_ATTEMPTED, KataGrade, LearnerGrade
from dojo.grade.learner_run import TestOutcome
from dojo.grade.learners import Skipped
from dojo.grade.text import FIELD_LIMIT, clean, csv_cell, cut, printable_path, xml_text
from dojo.kata.catalogue import Kata

OUTPUT_LIMIT = 500  # exercism: a test's output is at most 500 characters
MESSAGE_LIMIT = FIELD_LIMIT  # a test's message, and the learner's
# results.json beyond this size keeps shorter messages and no outputs (a few hundred tests
# with full messages stay far below it).
RESULTS_LIMIT = 2_000_000
SHORT_MESSAGE_LIMIT = 1_000
LOG_LIMIT = 1_000_000  # pytest.log: its beginning and end
_CUT = "\n… (output cut)"
_IMPL_PARAM = "kata"  # the id --impl gives every test; it says nothing to a reader


@functools.cache
def _test_sources(tests_file: Path) -> dict[str, str]:
    source = tests_file.read_text(encoding="utf-8")
    return {
        node.name: ast.get_source_segment(source, node) or ""
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def display_name(kata: Kata, test: TestOutcome) -> str:
    """A human name: `k02 · all calls in flight at once`."""
    words = test.test.removeprefix("test_").replace("_", " ")
    param = f" [{test.param}]" if test.param and test.param != _IMPL_PARAM else ""
    return f"k{kata.number:02d} · {words}{param}"


def _output(text: str) -> str | None:
    if not text:
        return None
    if len(text) <= OUTPUT_LIMIT:
        return text
    return text[: OUTPUT_LIMIT - len(_CUT)] + _CUT


def _points(value: float | int) -> float | int:
    return int(value) if float(value).is_integer() else value


def _message(text: str, limit: int = MESSAGE_LIMIT) -> str | None:
    return cut(clean(text), limit) if text else None


def results_json(grade: LearnerGrade, message_limit: int = MESSAGE_LIMIT) -> dict:
    """The learner's results.json as a dict (every text cut to `message_limit`)."""
    tests = []
    for kg in grade.katas:
        sources = _test_sources(kg.kata.tests)
        for t in kg.tests:
            tests.append(
                {
                    "name": clean(display_name(kg.kata, t)),
                    "status": t.status,
                    "message": _message(t.message, message_limit),
                    "output": _output(clean(t.output)),
                    "test_code": sources.get(t.test, ""),
                    "task_id": kg.kata.number,
                }
            )
    # exercism knows pass, fail and error: a tampered run is an error there, and says so.
    result: dict = {"version": 3, "status": _EXERCISM_STATUS.get(grade.status, grade.status)}
    if grade.status in ("error", "tampered"):
        result["message"] = _message(grade.message or "", message_limit)
    result["tests"] = tests
    # Extensions (exercism ignores unknown keys): the points, and what is worth knowing
    # about the run (notes) or the learner's folder (when the name had to differ from it).
    result["learner"] = grade.learner.name
    result["points"] = _points(grade.points)
    result["max_points"] = grade.max_points
    if grade.sandbox:  # sandboxed, or UNSANDBOXED and why (dojo.grade.sandbox.describe)
        result["sandbox"] = clean(grade.sandbox)
    result["katas"] = [_kata_entry(kg) for kg in grade.katas]
    if grade.notes:
        result["notes"] = [_message(note, message_limit) for note in grade.notes]
    result.update(_integrity_entries(grade, message_limit))
    if grade.learner.renamed and grade.learner.folder is not None:
        result["folder"] = printable_path(grade.learner.folder)
        result["renamed"] = grade.learner.renamed
    return result


_EXERCISM_STATUS = {"tampered": "error"}
FLAGS_CSV_LIMIT = 500  # the flags cell of summary.csv: results.json has them all


def _integrity_entries(grade: LearnerGrade, message_limit: int) -> dict:
    """results.json's "flags" (always: dojo.grade.suspicion) and "tampered" (only when the
    files the tests run from changed during the run: dojo.grade.integrity)."""
    entries: dict = {"flags": [_message(flag, message_limit) for flag in grade.flags]}
    if grade.tampering:
        t = grade.tampering
        entries["tampered"] = {
            "changed": [_message(p, message_limit) for p in t.changed],
            "not_restored": [_message(p, message_limit) for p in t.not_restored],
            "others_running": [clean(name) for name in t.others_running],
            "displaced": [_message(p, message_limit) for p in t.displaced],
        }
    return entries


def results_text(grade: LearnerGrade) -> str:
    """results.json's text, at most about RESULTS_LIMIT: beyond it, shorter messages and no
    test output (and a note saying so)."""
    text = json.dumps(results_json(grade), indent=2, ensure_ascii=False) + "\n"
    if len(text) <= RESULTS_LIMIT:
        return text
    result = results_json(grade, SHORT_MESSAGE_LIMIT)
    for test in result["tests"]:
        test["output"] = None
    result.setdefault("notes", []).append(
        f"results.json would have been {len(text)} characters long: every message is cut "
        f"to {SHORT_MESSAGE_LIMIT} characters and the tests' output is left out"
    )
    return json.dumps(result, indent=2, ensure_ascii=False) + "\n"


def _kata_entry(kg: KataGrade) -> dict:
    return {
        "task_id": kg.kata.number,
        "slug": kg.kata.slug,
        "title": kg.kata.title,
        "status": kg.status,
        "points": _points(kg.points),
        "max_points": kg.max_points,
    }


def junit_xml(grade: LearnerGrade) -> str:
    all_tests = [(kg, t) for kg in grade.katas for t in kg.tests]
    suite = ET.Element(
        "testsuite",
        name=xml_text(grade.learner.name),
        tests=str(len(all_tests)),
        failures=str(sum(t.status == "fail" for _, t in all_tests)),
        errors=str(sum(t.status == "error" for _, t in all_tests)),
        time=f"{grade.seconds:.3f}",
    )
    for kg, t in all_tests:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=kg.kata.slug,
            name=xml_text(t.test + (f"[{t.param}]" if t.param and t.param != _IMPL_PARAM else "")),
            time=f"{t.duration:.3f}",
        )
        if t.status in ("fail", "error"):
            message = xml_text(cut(t.message, MESSAGE_LIMIT))
            first_line = (message.strip().splitlines() or [t.status])[0]
            tag = "failure" if t.status == "fail" else "error"
            ET.SubElement(case, tag, message=first_line[:200]).text = message
        if t.output:
            ET.SubElement(case, "system-out").text = xml_text(cut(t.output, MESSAGE_LIMIT))
    root = ET.Element("testsuites", name="dojo grade")
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_text(path: Path, text: str) -> None:
    """Write `text` atomically (a temporary file renamed over `path`): a reader never sees
    half a file, even if the grader is stopped while writing. Unencodable characters are
    written as escapes."""
    partial = path.with_name(f".{path.name}.partial")
    with open(partial, "w", encoding="utf-8", errors="backslashreplace") as f:
        f.write(text)
    os.replace(partial, path)


def _log_text(log: str) -> str:
    """pytest's log, at most LOG_LIMIT: its beginning and its end."""
    if len(log) <= LOG_LIMIT:
        return log
    half = LOG_LIMIT // 2
    return f"{log[:half]}\n…[{len(log) - 2 * half} characters cut]…\n{log[-half:]}"


def write_learner(grade: LearnerGrade, out_dir: Path, junit: bool = False) -> Path:
    folder = out_dir / grade.learner.name
    folder.mkdir(parents=True, exist_ok=True)
    write_text(folder / "results.json", results_text(grade))
    if junit:
        write_text(folder / "junit.xml", junit_xml(grade))
    if grade.log:
        write_text(folder / "pytest.log", _log_text(grade.log))
    return folder


def _csv_header(katas: list[Kata]) -> list:
    return ["learner", *[k.slug for k in katas], "points", "max_points", "status", "flags"]


def _csv_row(grade: LearnerGrade, katas: list[Kata]) -> list:
    by_slug = {kg.kata.slug: kg for kg in grade.katas}
    cells = [_points(by_slug[k.slug].points) for k in katas]
    row = [grade.learner.name, *cells, _points(grade.points), grade.max_points, grade.status]
    row.append(cut(clean("; ".join(grade.flags)), FLAGS_CSV_LIMIT))
    return [csv_cell(cell) for cell in row]


def write_csv(grades: list[LearnerGrade], katas: list[Kata], path: Path) -> None:
    """The class summary, a row per learner in the order given (written atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    with open(partial, "w", newline="", encoding="utf-8", errors="backslashreplace") as f:
        writer = csv.writer(f)
        writer.writerow(_csv_header(katas))
        for g in grades:
            writer.writerow(_csv_row(g, katas))
    os.replace(partial, path)


class SummaryCsv:
    """The class summary written as grading goes: a row per learner as it finishes, flushed at
    once (thread-safe: learners finish in parallel). `write_csv` later rewrites it in the
    learners' order."""

    def __init__(self, katas: list[Kata], path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.katas, self.path, self._lock = katas, path, threading.Lock()
        self._file = open(path, "w", newline="", encoding="utf-8", errors="backslashreplace")
        self._writer = csv.writer(self._file)
        self._write(_csv_header(katas))

    def add(self, grade: LearnerGrade) -> None:
        self._write(_csv_row(grade, self.katas))

    def _write(self, row: list) -> None:
        with self._lock:
            self._writer.writerow(row)
            self._file.flush()

    def close(self) -> None:
        with self._lock:
            self._file.close()


def write_skipped(skipped: Iterable[Skipped], path: Path) -> None:
    """skipped.txt: each folder not graded, with the reason."""
    write_text(path, "".join(f"{s}\n" for s in skipped))


_STYLE = {
    "pass": "green",
    "fail": "red",
    "error": "magenta",
    NOT_ATTEMPTED: "dim",
    "tampered": "bold red",
}


def summary_table(grades: list[LearnerGrade], katas: list[Kata]):
    """Learners × katas: points, coloured by the kata's status; `–` for not attempted."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(show_edge=False, pad_edge=False, title="points per kata")
    table.add_column("learner")
    for kata in katas:
        table.add_column(f"k{kata.number:02d}", justify="right")
    table.add_column("total", justify="right")
    table.add_column("status")
    for g in grades:
        by_slug = {kg.kata.slug: kg for kg in g.katas}
        cells = []
        for kata in katas:
            kg = by_slug[kata.slug]
            text = "–" if kg.status == NOT_ATTEMPTED else f"{_points(kg.points)}"
            cells.append(f"[{_STYLE[kg.status]}]{text}[/]")
        total = f"{_points(g.points)}/{g.max_points}"
        table.add_row(escape(g.learner.name), *cells, total, f"[{_STYLE[g.status]}]{g.status}[/]")
    return table
