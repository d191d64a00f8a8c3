"""Feedback speed: how long a learner waits for a verdict.

    .venv/bin/python bench/feedback.py                 # every kata, 3 runs each
    .venv/bin/python bench/feedback.py --kata 1 --kata 9 --runs 5 --whole
    .venv/bin/python bench/feedback.py --kata 1 --runs 1 --self-check   # + the whole self-check

Prints, per kata, the median wall time of a cold `pytest katas/<kata> --solutions` (a new
process that starts its own Ray), with --whole the median of the whole
`pytest katas/ --solutions`, and with --self-check the median of plain `pytest` at the root
(the maintainers' self-check, about a quarter of an hour). Numbers only: nothing here
asserts a time.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from dojo.kata.catalogue import all_katas, find  # noqa: E402


def timed_pytest(*targets: str, solutions: bool = True) -> tuple[float, int]:
    started = time.monotonic()
    switch = ["--solutions"] if solutions else []
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", *targets, *switch, "-q", "-p", "no:cacheprovider"],
        cwd=REPO,
        capture_output=True,
        timeout=3600,
    )
    return time.monotonic() - started, proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kata", action="append", default=[], help="kata number (repeatable)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--whole", action="store_true", help="also time pytest katas/")
    parser.add_argument("--self-check", action="store_true", help="also time plain pytest")
    args = parser.parse_args()
    katas = [find(k) for k in args.kata] if args.kata else all_katas()

    print(f"{'kata':<38} {'median s':>9} {'min s':>7} {'max s':>7}  exit")
    bad = 0
    for kata in katas:
        runs = [timed_pytest(f"katas/{kata.slug}") for _ in range(args.runs)]
        times = [t for t, _ in runs]
        codes = {c for _, c in runs}
        bad += codes != {0}
        print(
            f"{kata.slug:<38} {statistics.median(times):9.2f} {min(times):7.2f} "
            f"{max(times):7.2f}  {','.join(map(str, sorted(codes)))}",
            flush=True,
        )
    wholes = []
    if args.whole:
        wholes.append(("whole katas/ --solutions", ("katas/",), True))
    if args.self_check:
        wholes.append(("whole self-check (pytest)", (), False))
    for label, targets, solutions in wholes:
        runs = [timed_pytest(*targets, solutions=solutions) for _ in range(args.runs)]
        times = [t for t, _ in runs]
        codes = {c for _, c in runs}
        bad += codes != {0}
        print(
            f"{label:<38} {statistics.median(times):9.2f} {min(times):7.2f} "
            f"{max(times):7.2f}  {','.join(map(str, sorted(codes)))}",
            flush=True,
        )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
