"""The three-direction check of every kata: the stub fails as shipped ("not done yet"), the
reference solution passes, every known wrong answer (mutant) is rejected by the test that
names its mistake, and every alternative correct solution passes.

One pytest subprocess checks all implementations of the chosen katas in a single Ray
session (see --impl-plan in dojo/pytest_plugin.py). Shared by `tests/` and `dojo verify`.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from dojo.catalogue import Kata, all_katas
from dojo.paths import REPO_ROOT, TESTS_DIR

MUTANTS_DIR = TESTS_DIR / "mutants"
ALTERNATIVES_DIR = TESTS_DIR / "alternatives"
TEACHING_MARK = "likely mistake:"


@dataclass(frozen=True)
class Variant:
    kata: str
    kind: str  # "stub" | "solution" | "mutant" | "alternative"
    name: str
    module: str
    rejected_by: tuple[str, ...] = ()
    summary: str = ""

    @property
    def id(self) -> str:
        return self.kind if self.kind in ("stub", "solution") else f"{self.kind}-{self.name}"


@dataclass
class Verdict:
    variant: Variant
    ok: bool
    problems: list[str] = field(default_factory=list)
    tests: dict[str, dict] = field(default_factory=dict)


def _module_facts(path: Path) -> tuple[tuple[str, ...], str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    rejected: tuple[str, ...] = ()
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "REJECTED_BY" for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            rejected = (value,) if isinstance(value, str) else tuple(value)
    doc = (ast.get_docstring(tree) or "").strip().splitlines()
    return rejected, (doc[0] if doc else "")


def _modules_under(folder: Path, dotted: str, kata: str, kind: str) -> list[Variant]:
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.py")):
        if path.name == "__init__.py":
            continue
        rejected, summary = _module_facts(path)
        found.append(Variant(kata, kind, path.stem, f"{dotted}.{path.stem}", rejected, summary))
    return found


def variants_of(kata: Kata) -> list[Variant]:
    slug = kata.slug
    return [
        Variant(slug, "stub", "stub", f"katas.{slug}.kata"),
        Variant(slug, "solution", "solution", f"solutions.{slug}.kata"),
        *_modules_under(MUTANTS_DIR / slug, f"tests.mutants.{slug}", slug, "mutant"),
        *_modules_under(ALTERNATIVES_DIR / slug, f"tests.alternatives.{slug}", slug, "alternative"),
    ]


def plan_for(katas: Iterable[Kata]) -> list[Variant]:
    return [v for k in katas for v in variants_of(k)]


def run_plan(
    variants: list[Variant], env: dict | None = None, timeout: float = 1200
) -> tuple[list[dict], str]:
    """Run the kata tests once for all variants; return per-test results and pytest's output."""
    katas = sorted({v.kata for v in variants})
    with tempfile.TemporaryDirectory(prefix="dojo-verify-") as tmp:
        plan_file, report_file = Path(tmp, "plan.json"), Path(tmp, "report.json")
        plan_file.write_text(
            json.dumps(
                [
                    {"kata": v.kata, "id": v.id, "module": v.module, "only": v.rejected_by}
                    for v in variants
                ]
            )
        )
        cmd = [
            sys.executable, "-m", "pytest", *[f"katas/{k}" for k in katas],
            "--impl-plan", str(plan_file), "--dojo-report", str(report_file),
            "-q", "-p", "no:cacheprovider", "--no-header", "-rN",
        ]  # fmt: skip
        proc = subprocess.run(
            cmd,
            cwd=REPO_ROOT,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        output = proc.stdout + proc.stderr
        if not report_file.exists():
            raise RuntimeError(f"the kata tests did not run (exit {proc.returncode}):\n{output}")
        return json.loads(report_file.read_text())["results"], output


def judge(variant: Variant, results: list[dict]) -> Verdict:
    mine = [r for r in results if r["kata"] == variant.kata and r["impl"] == variant.id]
    tests: dict[str, dict] = {}
    for r in mine:
        # Keep the worst phase of each test: a failed setup/teardown counts as failed.
        if r["test"] not in tests or r["outcome"] != "passed":
            tests[r["test"]] = r
    verdict = Verdict(variant, ok=True, tests=tests)
    problems = verdict.problems
    if not tests:
        problems.append("no test ran for it")
    elif variant.kind == "stub":
        for name, r in tests.items():
            if r["outcome"] == "passed":
                problems.append(f"{name} passes on the untouched stub")
            elif not r["not_done"]:
                first = (r["message"].strip().splitlines() or ["?"])[-1]
                problems.append(f"{name} fails for another reason than NOT DONE YET: {first}")
    elif variant.kind in ("solution", "alternative"):
        for name, r in tests.items():
            if r["outcome"] != "passed":
                problems.append(f"{name} {r['outcome']}: {r['message'][:400]}")
    else:  # mutant
        if not variant.rejected_by:
            problems.append("the mutant does not name the test that rejects it (REJECTED_BY)")
        for name in variant.rejected_by:
            r = tests.get(name)
            if r is None:
                problems.append(f"{name} (named in REJECTED_BY) did not run")
            elif r["outcome"] == "passed":
                problems.append(f"{name} let the mutant pass")
            elif r["when"] != "call" or TEACHING_MARK not in r["message"]:
                first = (r["message"].strip().splitlines() or ["?"])[-1]
                problems.append(f"{name} failed without a teaching message: {first[:300]}")
    verdict.ok = not problems
    return verdict


def verify(katas: Iterable[Kata] | None = None, env: dict | None = None) -> list[Verdict]:
    variants = plan_for(katas if katas is not None else all_katas())
    results, _ = run_plan(variants, env=env)
    return [judge(v, results) for v in variants]


def table(verdicts: list[Verdict]) -> str:
    rows = [f"{'kata':<36} {'variant':<40} verdict"]
    for v in verdicts:
        mark = "ok" if v.ok else "WRONG: " + "; ".join(v.problems)[:200]
        rows.append(f"{v.variant.kata:<36} {v.variant.id:<40} {mark}")
    return "\n".join(rows)
