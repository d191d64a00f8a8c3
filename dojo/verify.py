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
import time
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


def shard(variants: list[Variant], count: int) -> list[list[Variant]]:
    """Split the plan into `count` groups of whole katas with about equal work.

    A kata's cost is roughly how many of its variants run the full suite (the stub fails
    fast, a mutant runs one test). Longest first, each kata to the lightest group."""
    by_kata: dict[str, list[Variant]] = {}
    for v in variants:
        by_kata.setdefault(v.kata, []).append(v)

    def cost(group: list[Variant]) -> float:
        return sum({"stub": 0.2, "mutant": 1.0}.get(v.kind, 3.0) for v in group)

    groups: list[list[Variant]] = [[] for _ in range(max(1, min(count, len(by_kata))))]
    for kata_variants in sorted(by_kata.values(), key=cost, reverse=True):
        min(groups, key=cost).extend(kata_variants)
    return [g for g in groups if g]


def default_shards() -> int:
    """How many pytest processes check katas side by side.

    The kata tests mostly wait (simulated IO, barriers, gates), so a 2-core machine runs
    three Ray sessions at once comfortably. On an external cluster (RAY_ADDRESS) the
    sessions would share its CPUs and disturb the CPU-counting katas: one shard there."""
    if os.environ.get("DOJO_SHARDS"):
        return max(1, int(os.environ["DOJO_SHARDS"]))
    return 1 if os.environ.get("RAY_ADDRESS") else 3


def _pytest_command(variants: list[Variant], plan_file: Path, report_file: Path) -> list[str]:
    plan_file.write_text(
        json.dumps(
            [
                {"kata": v.kata, "id": v.id, "module": v.module, "only": v.rejected_by}
                for v in variants
            ]
        )
    )
    katas = sorted({v.kata for v in variants})
    return [
        sys.executable, "-m", "pytest", *[f"katas/{k}" for k in katas],
        "--impl-plan", str(plan_file), "--dojo-report", str(report_file),
        "-q", "-p", "no:cacheprovider", "--no-header", "-rN",
    ]  # fmt: skip


def run_plan(
    variants: list[Variant],
    env: dict | None = None,
    timeout: float = 1200,
    shards: int | None = None,
) -> tuple[list[dict], str]:
    """Run the kata tests once for all variants; return per-test results and pytest's output.

    Each shard is one pytest process with one Ray session checking whole katas."""
    groups = shard(variants, shards or default_shards())
    with tempfile.TemporaryDirectory(prefix="dojo-verify-") as tmp:
        running = []
        for i, group in enumerate(groups):
            plan_file, report_file = Path(tmp, f"plan{i}.json"), Path(tmp, f"report{i}.json")
            log = open(Path(tmp, f"out{i}.txt"), "w+")  # closed once the shard ends
            proc = subprocess.Popen(
                _pytest_command(group, plan_file, report_file),
                cwd=REPO_ROOT,
                env={**os.environ, **(env or {})},
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
            )
            running.append((proc, log, report_file))
        results: list[dict] = []
        outputs: list[str] = []
        missing: list[str] = []
        deadline = time.monotonic() + timeout
        for proc, log, report_file in running:
            try:
                proc.wait(timeout=max(1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.seek(0)
            output = log.read()
            log.close()
            outputs.append(output)
            if report_file.exists():
                results.extend(json.loads(report_file.read_text())["results"])
            else:
                missing.append(f"(exit {proc.returncode}):\n{output[-4000:]}")
        if missing:
            raise RuntimeError("the kata tests did not run " + "\n".join(missing))
        return results, "\n".join(outputs)


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


def table(verdicts: list[Verdict]):
    """A rich table: one row per variant, the problems spelled out for wrong ones."""
    from rich.table import Table
    from rich.text import Text

    grid = Table("kata", "variant", "verdict", box=None, pad_edge=False)
    for v in verdicts:
        problems = "; ".join(v.problems)[:300]
        verdict = Text("ok", "green") if v.ok else Text.assemble(("WRONG", "red"), ": " + problems)
        grid.add_row(v.variant.kata, v.variant.id, verdict)
    return grid
