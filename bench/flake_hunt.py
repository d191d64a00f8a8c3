"""Flake hunt: run the kata tests many times with every core busy, count failures per test.

    .venv/bin/python bench/flake_hunt.py                  # 20 runs of the solutions suite
    .venv/bin/python bench/flake_hunt.py --runs 5 --kata 9 --kata 10
    .venv/bin/python bench/flake_hunt.py --verify --runs 3   # the full three-direction check

Without --verify each run is `pytest katas/ --solutions`: every failure is a flake (a correct
solution must never fail). With --verify each run is the self-check's plan (stubs, solutions,
mutants, alternatives): a mutant that passes under load is a flake too (a loaded machine must
not let a sequential solution through).

Burners (`--burners`, default one per core) are plain Python busy loops, started before the
first run and stopped at the end.
"""

from __future__ import annotations

import argparse
import collections
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from dojo.kata.catalogue import all_katas, find  # noqa: E402
from dojo.kata.verify import judge, plan_for, run_plan  # noqa: E402


def _burn() -> None:
    while True:
        pass


def _solutions_run(katas) -> tuple[list[dict], float]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp, "report.json")
        started = time.monotonic()
        command = [sys.executable, "-m", "pytest", *[f"katas/{k.slug}" for k in katas]]
        command += ["--solutions", "-q", "-p", "no:cacheprovider", "--dojo-report", str(report)]
        subprocess.run(
            command,
            cwd=REPO,
            capture_output=True,
            timeout=1800,
        )
        elapsed = time.monotonic() - started
        if not report.exists():
            return [{"kata": "-", "test": "(the run crashed)", "outcome": "failed"}], elapsed
        return json.loads(report.read_text())["results"], elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--kata", action="append", default=[], help="kata number (repeatable)")
    parser.add_argument("--burners", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--verify", action="store_true", help="run the three-direction check")
    args = parser.parse_args()
    katas = [find(k) for k in args.kata] if args.kata else all_katas()

    burners = [multiprocessing.Process(target=_burn, daemon=True) for _ in range(args.burners)]
    for b in burners:
        b.start()
    failures: collections.Counter[str] = collections.Counter()
    times: list[float] = []
    try:
        for run in range(1, args.runs + 1):
            started = time.monotonic()
            if args.verify:
                variants = plan_for(katas)
                results, _ = run_plan(variants)
                verdicts = [judge(v, results) for v in variants]
                bad = [v for v in verdicts if not v.ok]
                names = [f"{v.variant.kata} / {v.variant.id}" for v in bad]
                for v in bad:
                    problems = "; ".join(v.problems)[:160]
                    failures[f"{v.variant.kata} / {v.variant.id}: {problems}"] += 1
                elapsed = time.monotonic() - started
                note = f"{len(bad)} wrong of {len(variants)} variants"
            else:
                results, elapsed = _solutions_run(katas)
                failed = [r for r in results if r["outcome"] != "passed"]
                names = [f"{r['kata']} / {r['test']}" for r in failed]
                failures.update(names)
                note = f"{len(failed)} failed of {len(results)} test phases"
            times.append(elapsed)
            print(f"run {run:2d}/{args.runs}: {elapsed:6.1f} s  {note}", flush=True)
            # Names as they happen: a hunt stopped early still says what failed.
            for name in names:
                print(f"    {name}", flush=True)
    finally:
        for b in burners:
            b.terminate()

    print(f"\n{args.runs} runs with {args.burners} busy-loop burners; ", end="")
    print(f"median {sorted(times)[len(times) // 2]:.1f} s, max {max(times):.1f} s per run")
    if not failures:
        print("flakes: 0")
        return 0
    print(f"flakes: {sum(failures.values())}")
    for name, count in failures.most_common():
        print(f"  {count:3d}×  {name}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
