"""The three-direction check of every kata: the stub fails as shipped ("not done yet"), the
reference solution passes, every known wrong answer (mutant) is rejected by the test that
enforces the rule it breaks, with a message naming that mistake, and every alternative
correct solution passes.

A mutant module says which of its kata's catalogue rules it breaks and what the rejection
must say:

    BREAKS = "cancels-the-losers"          # a rule id from catalogue.toml
    SAYS = ("ray.cancel",)                 # words the failure message must contain

A mutant is checked the way a learner who made that mistake would meet it: the kata's tests
in order, stopping at the first failure (dojo/pytest_plugin.py), whose message must name the
mistake (SAYS). When that first failure is an earlier test than the rule's own, a second
round runs the rule's test alone on the mutant (its id ends in RULE_ROUND), so every rule is
still shown to be enforced by its test.

A few pytest subprocesses (shards) check all implementations of the chosen katas, each in a
single Ray session on a head of its own (see --impl-plan in dojo/pytest_plugin.py). Shared by
`tests/` and `dojo verify`.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from dojo.cluster.head import LocalHead
from dojo.cluster.ray_runtime import restore_interrupts
from dojo.harness.teach import TEACHING_MARKS
from dojo.kata.catalogue import Kata, UnknownKata, all_katas
from dojo.kata.outcomes import NOT_RUN
from dojo.paths import KATAS_DIR, REPO_ROOT, TESTS_DIR

MUTANTS_DIR = TESTS_DIR / "mutants"
# A shard's pytest that writes nothing for this long is stuck: every kata test has a time
# limit of its own (at most 300 s), and pytest writes a character as each test ends.
QUIET_LIMIT = 600.0
RULE_ROUND = "@rule"  # the id suffix of a mutant's second round: its rule's test alone
SHARD_CPUS = 2  # each shard's head: the katas' proofs are sized for a 2-CPU cluster
ALTERNATIVES_DIR = TESTS_DIR / "alternatives"


@dataclass(frozen=True)
class Variant:
    kata: str
    kind: str  # "stub" | "solution" | "mutant" | "alternative"
    name: str
    module: str
    rejected_by: tuple[str, ...] = ()
    summary: str = ""
    breaks: str = ""  # a mutant's rule id (BREAKS)
    says: tuple[str, ...] = ()  # words its rejection must contain (SAYS)
    error: str = ""  # what is wrong with the variant's own declarations

    @property
    def id(self) -> str:
        return self.kind if self.kind in ("stub", "solution") else f"{self.kind}-{self.name}"


@dataclass
class VariantVerdict:
    variant: Variant
    ok: bool
    problems: list[str] = field(default_factory=list)
    tests: dict[str, dict] = field(default_factory=dict)


def _declared(tree: ast.Module, name: str):
    """The literal value a module assigns to `name` at its top level, or None."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return ast.literal_eval(node.value)
    return None


def _as_tuple(value) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _variant(kata: Kata, kind: str, path: Path, dotted: str) -> Variant:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    doc = (ast.get_docstring(tree) or "").strip().splitlines()
    facts = dict(
        kata=kata.slug, kind=kind, name=path.stem, module=f"{dotted}.{path.stem}",
        summary=doc[0] if doc else "",
    )  # fmt: skip
    if kind != "mutant":
        return Variant(**facts)
    breaks = _declared(tree, "BREAKS") or ""
    says = _as_tuple(_declared(tree, "SAYS"))
    error = ""
    if not breaks:
        error = "the mutant does not name the rule it breaks (BREAKS)"
    elif not says:
        error = "the mutant does not say which words its rejection must contain (SAYS)"
    try:
        # REJECTED_BY: the test a mutant named before rules existed (read until every
        # mutant names its rule; it still decides which test runs against it).
        rejected_by = (
            (kata.rule(breaks).test,) if breaks else _as_tuple(_declared(tree, "REJECTED_BY"))
        )
    except UnknownKata:
        rejected_by, error = (), f"BREAKS names {breaks!r}, which is not a rule of {kata.slug}"
    return Variant(**facts, rejected_by=rejected_by, breaks=breaks, says=says, error=error)


def _variants_under(kata: Kata, kind: str, folder: Path) -> list[Variant]:
    if not folder.is_dir():
        return []
    dotted = f"tests.{folder.parent.name}.{kata.slug}"
    return [
        _variant(kata, kind, path, dotted)
        for path in sorted(folder.glob("*.py"))
        if path.name != "__init__.py"
    ]


def variants_of(kata: Kata) -> list[Variant]:
    slug = kata.slug
    return [
        Variant(slug, "stub", "stub", f"katas.{slug}.kata"),
        Variant(slug, "solution", "solution", f"solutions.{slug}.kata"),
        *_variants_under(kata, "mutant", MUTANTS_DIR / slug),
        *_variants_under(kata, "alternative", ALTERNATIVES_DIR / slug),
    ]


def uncovered_rules(kata: Kata) -> list[str]:
    """The ids of the kata's rules that no mutant breaks."""
    broken = {v.breaks for v in variants_of(kata) if v.kind == "mutant"}
    return [rule.id for rule in kata.rules if rule.id not in broken]


def static_problems(katas: list[Kata]) -> list[str]:
    """What can be seen of these katas without running a test: READMEs whose rules section
    is stale, mutants that name no rule (or an unknown one), rules that no mutant breaks.
    (catalogue.problems compares the whole catalogue with the folders.)"""
    from dojo.kata.readme import stale_readmes

    found = [f"{slug}/README.md: rules section out of date" for slug in stale_readmes(katas)]
    for kata in katas:
        for variant in variants_of(kata):
            if variant.error:
                found.append(f"{kata.slug} mutant {variant.name}: {variant.error}")
        for rule_id in uncovered_rules(kata):
            found.append(f"{kata.slug} rule {rule_id}: no mutant breaks it")
        if not kata.rules:
            found.append(f"{kata.slug}: the catalogue lists no rules")
    return found


def plan_for(katas: Iterable[Kata]) -> list[Variant]:
    return [v for k in katas for v in variants_of(k)]


COSTS_FILE = Path(__file__).with_name("verify_costs.toml")  # written by `dojo dev costs`
UNIT_SECONDS = 4.0  # a kata's cost per unit below when no kata has a measured cost


def _units(group: list[Variant]) -> float:
    """A guess of a kata's cost from its variants: the stub fails fast, a mutant stops at its
    first failure, a solution or an alternative runs every test."""
    return sum({"stub": 0.2, "mutant": 1.0}.get(v.kind, 3.0) for v in group)


def read_costs(path: Path = COSTS_FILE) -> dict[str, float]:
    """Each kata's measured seconds in a shard (empty when the file is missing)."""
    import tomllib

    try:
        return dict(tomllib.loads(path.read_text(encoding="utf-8")).get("seconds", {}))
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def write_costs(seconds: dict[str, float], path: Path = COSTS_FILE) -> None:
    """Merge measured seconds into the costs file (the other katas' are kept)."""
    merged = {**read_costs(path), **seconds}
    lines = [
        "# Each kata's seconds in a `dojo verify` shard (all its variants, fixtures included),",
        "# measured by `dojo dev costs`: how the self-check balances its shards. Stale values",
        "# only unbalance them; a kata missing here is estimated from its variants.",
        "",
        "[seconds]",
        *(f"{kata} = {merged[kata]:.1f}" for kata in sorted(merged)),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def shard(
    variants: list[Variant], count: int, costs: dict[str, float] | None = None
) -> list[list[Variant]]:
    """Split the plan into `count` groups of whole katas with about equal work.

    A kata's cost is its measured seconds (`costs`, see read_costs); a kata not measured
    yet is guessed from its variants (_units) at the measured katas' seconds per unit.
    Longest first, each kata to the lightest group: a shard that ends early leaves a core
    to the others, but the self-check waits for the slowest."""
    by_kata: dict[str, list[Variant]] = {}
    for v in variants:
        by_kata.setdefault(v.kata, []).append(v)
    costs = costs or {}
    measured = [k for k in by_kata if k in costs]
    per_unit = (
        sum(costs[k] for k in measured) / sum(_units(by_kata[k]) for k in measured)
        if measured
        else UNIT_SECONDS
    )

    def kata_cost(group: list[Variant]) -> float:
        return costs.get(group[0].kata, _units(group) * per_unit)

    groups: list[list[Variant]] = [[] for _ in range(max(1, min(count, len(by_kata))))]
    loads = [0.0] * len(groups)
    for kata_variants in sorted(by_kata.values(), key=kata_cost, reverse=True):
        lightest = loads.index(min(loads))
        groups[lightest].extend(kata_variants)
        loads[lightest] += kata_cost(kata_variants)
    return [g for g in groups if g]


def default_shards() -> int:
    """How many pytest processes check katas side by side.

    The kata tests mostly wait (simulated IO, barriers, gates), so a 2-core machine runs
    three Ray sessions at once comfortably. On an external cluster (RAY_ADDRESS) the
    sessions would share its CPUs and disturb the CPU-counting katas: one shard there."""
    if os.environ.get("DOJO_SHARDS"):
        return max(1, int(os.environ["DOJO_SHARDS"]))
    return 1 if os.environ.get("RAY_ADDRESS") else 3


def _plan_entry(v: Variant) -> dict:
    entry = {"kata": v.kata, "id": v.id, "module": v.module}
    if v.kind == "mutant" and v.name.endswith(RULE_ROUND):
        entry["only"] = v.rejected_by  # the second round: the rule's test alone
    elif v.kind == "mutant":
        entry["stop_first"] = True  # what a learner's run shows
    return entry


def _first_failure(results: list[dict], kata: str, impl: str) -> dict | None:
    """The first test (in the order it ran) that failed for this implementation."""
    return next(
        (
            r
            for r in results
            if r["kata"] == kata and r["impl"] == impl and r["outcome"] == "failed"
        ),
        None,
    )


def _rule_round(variants: list[Variant], results: list[dict]) -> list[Variant]:
    """The mutants a learner's run stopped at another test than their rule's: checked again
    with the rule's test alone."""
    again = []
    for v in variants:
        if v.kind != "mutant" or not v.rejected_by:
            continue
        first = _first_failure(results, v.kata, v.id)
        if first is not None and first["test"] not in v.rejected_by:
            again.append(dataclasses.replace(v, name=v.name + RULE_ROUND))
    return again


def _pytest_command(variants: list[Variant], plan_file: Path, report_file: Path) -> list[str]:
    plan_file.write_text(json.dumps([_plan_entry(v) for v in variants]))
    katas = sorted({v.kata for v in variants})
    return [
        sys.executable, "-m", "pytest", *[str(KATAS_DIR / k) for k in katas],
        "--impl-plan", str(plan_file), "--dojo-report", str(report_file),
        "-q", "-p", "no:cacheprovider", "--no-header", "-rN",
        # Run from outside the repository, as a learner with a cluster may: the workers must
        # get the repository from the run's runtime_env, not from the working directory.
        f"--rootdir={REPO_ROOT}", "-c", str(REPO_ROOT / "pyproject.toml"),
    ]  # fmt: skip


@contextlib.contextmanager
def _shard_clusters(count: int, env: dict):
    """Where each shard runs: on the user's cluster when RAY_ADDRESS is set (one shard, see
    default_shards), else on a `ray start --head` of its own, reached through RAY_ADDRESS as
    `dojo watch` reaches its private head. So every variant is checked the way learners'
    runs reach Ray (a head they connect to), and the solutions' check doubles as the cluster
    mode's."""
    if env.get("RAY_ADDRESS"):
        yield [{}] * count
        return
    # Here, in the main thread: a head started from a pool thread could not undo an inherited
    # "ignore SIGINT", and its workers need SIGINT for ray.cancel.
    restore_interrupts()
    with contextlib.ExitStack() as stack:
        heads = [LocalHead(num_cpus=SHARD_CPUS, worker_logs_to_drivers=False) for _ in range(count)]
        for head in heads:
            stack.callback(head.stop)
        with ThreadPoolExecutor(max_workers=count) as pool:  # ~3 s each: side by side
            list(pool.map(lambda head: head.start(), heads))
        yield [{"RAY_ADDRESS": h.address, "DOJO_PRIVATE_HEAD": "1"} for h in heads]


def run_plan(
    variants: list[Variant],
    env: dict | None = None,
    quiet_limit: float = QUIET_LIMIT,
    shards: int | None = None,
    seconds: dict[str, float] | None = None,
    stop: threading.Event | None = None,
) -> tuple[list[dict], str]:
    """Run the kata tests once for all variants (and a second round for the mutants that
    need it, see the module docstring); return per-test results and pytest's output.
    `seconds`, when given, gets each kata's measured time (both rounds); setting `stop`
    ends the shards' pytest runs early (the result then says what did not run). A shard
    whose pytest writes nothing for `quiet_limit` seconds is stuck and is killed.

    Each shard is one pytest process with one Ray session checking whole katas."""
    count = shards or default_shards()
    groups = shard(variants, count, read_costs())
    env = {**os.environ, **(env or {})}
    with (
        tempfile.TemporaryDirectory(prefix="dojo-verify-") as tmp,
        _shard_clusters(len(groups), env) as clusters,
    ):
        shard_runs = [
            _ShardRun(group, cluster, Path(tmp) / f"shard{i}", env, quiet_limit, stop)
            for i, (group, cluster) in enumerate(zip(groups, clusters, strict=True))
        ]
        # Each shard runs its rule round as soon as its own first round ends, on its own
        # head: a shard that finished early does not wait for the slowest.
        with ThreadPoolExecutor(max_workers=len(shard_runs)) as pool:
            done = list(pool.map(_ShardRun.both_rounds, shard_runs))
        missing = [problem for _, _, problem in done if problem]
        if missing:
            raise RuntimeError("the kata tests did not run " + "\n".join(missing))
        results = [r for shard_results, _, _ in done for r in shard_results]
        if seconds is not None:
            for shard_run in shard_runs:
                for kata, spent in shard_run.kata_seconds.items():
                    seconds[kata] = seconds.get(kata, 0.0) + spent
        return results, "\n".join(output for _, output, _ in done)


@dataclass
class _ShardRun:
    """One shard of the plan: its variants, the head it runs on, its files."""

    variants: list[Variant]
    cluster: dict
    folder: Path
    env: dict
    quiet_limit: float
    stop: threading.Event | None = None
    kata_seconds: dict[str, float] = field(default_factory=dict)

    def both_rounds(self) -> tuple[list[dict], str, str]:
        """(results, pytest's output, what went wrong or ""): the first round, then the
        rule round for this shard's mutants that need it."""
        self.folder.mkdir()
        results, output, problem = self._pytest(self.variants, "")
        stopped = self.stop is not None and self.stop.is_set()
        again = [] if problem or stopped else _rule_round(self.variants, results)
        if again:
            more, more_output, problem = self._pytest(again, "rule")
            results, output = results + more, f"{output}\n{more_output}"
        return results, output, problem

    def _wait_or_kill(self, proc: subprocess.Popen, log: Path) -> str:
        """Wait for the shard's pytest until it ends, `stop` is set, or its output (pytest
        writes a character per test) stays the same for `quiet_limit` seconds; return why it
        was killed, or "". Not a limit on the whole run: on a slow or busy machine the plan
        takes longer (1200 s of it ran out on a machine 1.5x slower than usual), while each
        test has its own time limit, so only a run stuck where those cannot reach falls
        silent."""
        stop = self.stop or threading.Event()
        size, quiet_since = -1, time.monotonic()
        while proc.poll() is None:
            now_size = log.stat().st_size
            if now_size != size:
                size, quiet_since = now_size, time.monotonic()
            why = "stopped" if stop.is_set() else ""
            if time.monotonic() - quiet_since > self.quiet_limit:
                why = f"it wrote nothing for {self.quiet_limit:.0f} s, so it was killed"
            if why:
                proc.kill()
                proc.wait()
                return why
            stop.wait(0.5)
        return ""

    def _pytest(self, variants: list[Variant], tag: str) -> tuple[list[dict], str, str]:
        plan_file, report_file = self.folder / f"plan{tag}.json", self.folder / f"report{tag}.json"
        with open(self.folder / f"out{tag}.txt", "w+") as log:
            proc = subprocess.Popen(
                _pytest_command(variants, plan_file, report_file),
                cwd=self.folder,
                env={**self.env, **self.cluster},
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
            )
            killed = self._wait_or_kill(proc, Path(log.name))
            log.seek(0)
            output = log.read()
        if not report_file.exists():
            why = f"; {killed}" if killed else ""
            return [], output, f"(exit {proc.returncode}{why}):\n{output[-4000:]}"
        report = json.loads(report_file.read_text())
        for kata, spent in report.get("kata_seconds", {}).items():
            self.kata_seconds[kata] = self.kata_seconds.get(kata, 0.0) + spent
        return report["results"], output, ""


def _tests_of(results: list[dict], kata: str, impl: str) -> dict[str, dict]:
    tests: dict[str, dict] = {}
    for r in results:
        if r["kata"] != kata or r["impl"] != impl or r["outcome"] == NOT_RUN:
            continue
        # Keep the worst phase of each test: a failed setup/teardown counts as failed.
        if r["test"] not in tests or r["outcome"] != "passed":
            tests[r["test"]] = r
    return tests


def _names_the_mistake(variant: Variant, r: dict) -> list[str]:
    """What is wrong with a rejection's message: no teaching message, or words missing."""
    if r["when"] != "call" or not any(m in r["message"] for m in TEACHING_MARKS):
        first = (r["message"].strip().splitlines() or ["?"])[-1]
        return [f"failed without a teaching message: {first[:300]}"]
    missing = [w for w in variant.says if w.lower() not in r["message"].lower()]
    if missing:
        return [f"its message does not say {missing}: {r['message'][:400]}"]
    return []


def judge(variant: Variant, results: list[dict]) -> VariantVerdict:
    tests = _tests_of(results, variant.kata, variant.id)
    verdict = VariantVerdict(variant, ok=True, tests=tests)
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
        if variant.error:
            problems.append(variant.error)
        # What a learner who made this mistake sees: the first failure of a run that stops.
        first = _first_failure(results, variant.kata, variant.id)
        if first is not None and first["test"] not in variant.rejected_by:
            problems += [
                f"a learner's run stops at {first['test']} (before the rule's test), and " + problem
                for problem in _names_the_mistake(variant, first)
            ]
            tests = {**tests, **_tests_of(results, variant.kata, variant.id + RULE_ROUND)}
        for name in variant.rejected_by:
            r = tests.get(name)
            if r is None:
                problems.append(f"{name} (the test of rule {variant.breaks}) did not run")
            elif r["outcome"] == "passed":
                problems.append(f"{name} let the mutant pass")
            else:
                problems += [
                    f"{name} rejected it, but " + p for p in _names_the_mistake(variant, r)
                ]
    verdict.ok = not problems
    return verdict


def verify(katas: Iterable[Kata] | None = None, env: dict | None = None) -> list[VariantVerdict]:
    variants = plan_for(katas if katas is not None else all_katas())
    results, _ = run_plan(variants, env=env)
    return [judge(v, results) for v in variants]


def table(verdicts: list[VariantVerdict]):
    """A rich table: one row per variant, the problems spelled out for wrong ones."""
    from rich.table import Table
    from rich.text import Text

    grid = Table("kata", "variant", "verdict", box=None, pad_edge=False)
    for v in verdicts:
        problems = "; ".join(v.problems)[:300]
        verdict = Text("ok", "green") if v.ok else Text.assemble(("WRONG", "red"), ": " + problems)
        grid.add_row(v.variant.kata, v.variant.id, verdict)
    return grid
