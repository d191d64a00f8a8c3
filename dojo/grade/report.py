"""What `dojo grade` writes: results.json per learner (exercism test-runner interface,
version 3, plus points), an optional JUnit XML per learner, and the class summary (a rich
table and a CSV file)."""

from __future__ import annotations

import ast
import csv
import functools
import json
import xml.etree.ElementTree as ET
from pathlib import Path

from dojo.grade.class_run import NOT_ATTEMPTED, KataGrade, LearnerGrade
from dojo.grade.learner_run import TestOutcome
from dojo.kata.catalogue import Kata

OUTPUT_LIMIT = 500  # exercism: a test's output is at most 500 characters
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


def results_json(grade: LearnerGrade) -> dict:
    tests = []
    for kg in grade.katas:
        sources = _test_sources(kg.kata.tests)
        for t in kg.tests:
            tests.append(
                {
                    "name": display_name(kg.kata, t),
                    "status": t.status,
                    "message": t.message or None,
                    "output": _output(t.output),
                    "test_code": sources.get(t.test, ""),
                    "task_id": kg.kata.number,
                }
            )
    result: dict = {"version": 3, "status": grade.status}
    if grade.status == "error":
        result["message"] = grade.message
    result["tests"] = tests
    # Extensions (exercism ignores unknown keys): the points.
    result["learner"] = grade.learner.name
    result["points"] = _points(grade.points)
    result["max_points"] = grade.max_points
    result["katas"] = [_kata_entry(kg) for kg in grade.katas]
    return result


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
        name=grade.learner.name,
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
            name=t.test + (f"[{t.param}]" if t.param and t.param != _IMPL_PARAM else ""),
            time=f"{t.duration:.3f}",
        )
        if t.status in ("fail", "error"):
            first_line = (t.message.strip().splitlines() or [t.status])[0]
            tag = "failure" if t.status == "fail" else "error"
            ET.SubElement(case, tag, message=first_line[:200]).text = t.message
        if t.output:
            ET.SubElement(case, "system-out").text = t.output
    root = ET.Element("testsuites", name="dojo grade")
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_learner(grade: LearnerGrade, out_dir: Path, junit: bool = False) -> Path:
    folder = out_dir / grade.learner.name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(
        json.dumps(results_json(grade), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    if junit:
        (folder / "junit.xml").write_text(junit_xml(grade), encoding="utf-8")
    if grade.log:
        (folder / "pytest.log").write_text(grade.log, encoding="utf-8")
    return folder


def write_csv(grades: list[LearnerGrade], katas: list[Kata], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["learner", *[k.slug for k in katas], "points", "max_points", "status"])
        for g in grades:
            by_slug = {kg.kata.slug: kg for kg in g.katas}
            cells = [_points(by_slug[k.slug].points) for k in katas]
            writer.writerow([g.learner.name, *cells, _points(g.points), g.max_points, g.status])


_STYLE = {"pass": "green", "fail": "red", "error": "magenta", NOT_ATTEMPTED: "dim"}


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
