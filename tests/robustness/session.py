"""Run real kata tests against given implementations in a pytest subprocess (one Ray session),
and read back what happened to each test (the plugin's --dojo-report)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from dojo.paths import REPO_ROOT


@dataclass(frozen=True)
class Impl:
    kata: str  # e.g. "k13_actors_awaiting_other_work"
    id: str  # shows in the test ids
    module: str  # dotted, importable from the repository root (Ray workers import it too)
    only: tuple[str, ...]  # the kata tests to run for it

    def plan_entry(self) -> dict:
        return {"kata": self.kata, "id": self.id, "module": self.module, "only": list(self.only)}


@dataclass(frozen=True)
class Session:
    output: str  # pytest's stdout and stderr
    outcomes: dict[str, int]  # pytest's summary counts: {"passed": 3, "failed": 2}
    results: dict[tuple[str, str | None], dict]  # (test, impl id) -> the plugin's record
    order: list[tuple[str, str | None]]  # the tests in the order they ran
    kata_seconds: dict[str, float]  # each kata's wall time in the session, fixtures included

    def result(self, test: str, impl: str | None) -> dict:
        key = (test, impl)
        assert key in self.results, f"{test}[{impl}] did not run:\n{self.output[-3000:]}"
        return self.results[key]


def run_session(
    pytester, monkeypatch, impls: list[Impl], paths: list[str], timeout: float
) -> Session:
    """Run `paths` (kata test files or extra test modules, relative to the repository root,
    in this order) with `impls` as the --impl-plan, in a subprocess."""
    # Always a private embedded Ray: leaks on purpose must not reach a shared cluster, and
    # pytester's temporary HOME holds no token for one.
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    plan = pytester.path / "plan.json"
    plan.write_text(json.dumps([impl.plan_entry() for impl in impls]))
    report = pytester.path / "report.json"
    run = pytester.runpytest_subprocess(
        *[str(REPO_ROOT / p) for p in paths],
        f"--rootdir={REPO_ROOT}",
        # The repository's settings (asyncio mode, timeouts): pytester runs in a temporary
        # directory, where pytest would not look for them.
        "-c",
        str(REPO_ROOT / "pyproject.toml"),
        "--impl-plan",
        str(plan),
        "--dojo-report",
        str(report),
        "-p",
        "no:cacheprovider",
        "-q",
        "-rA",  # every test's outcome in the summary, also for modules that are not katas
        timeout=timeout,
    )
    output = run.stdout.str() + "\n" + run.stderr.str()
    assert Path(report).exists(), f"the inner session wrote no report:\n{output[-3000:]}"
    written = json.loads(report.read_text())
    records = written["results"]
    results: dict[tuple[str, str | None], dict] = {}
    order = []
    for record in records:
        key = (record["test"], record["impl"])
        if record["when"] == "call" or key not in results:
            results[key] = record
        if key not in order:
            order.append(key)
    return Session(output, run.parseoutcomes(), results, order, written["kata_seconds"])
