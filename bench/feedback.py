"""Feedback speed: how long a learner waits for a verdict, next to a bare Ray start and stop.

    .venv/bin/python bench/feedback.py                     # every kata, 3 runs each
    .venv/bin/python bench/feedback.py --kata 1 --kata 9 --runs 5 --whole
    .venv/bin/python bench/feedback.py --kata 1 --runs 1 --self-check   # + the whole self-check
    .venv/bin/python bench/feedback.py --no-daemon         # every run starts its own Ray

Per kata, the median wall time of a cold `pytest katas/<kata>` in a new process: green (the
reference solution, --solutions) and red (a typical mistake: the kata's first mutant under
tests/mutants/, stopping at the kata's first failure as a learner's run does), each next to
the bare Ray start-and-stop measured in the same run (a new `python -c` process importing
ray, starting a local runtime and stopping it) and as a ratio of it. With --whole also
`pytest katas/ --solutions`, with --self-check the maintainers' plain `pytest`. The machine's
load average is printed before and after: a busy machine explains a slow row. Numbers
only: nothing here asserts a time (issue 13's targets are read off the ratios: a kata at most
1x, kata 26 at most 2x, red never slower than green, the whole --solutions run at most 10x).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from dojo.kata.catalogue import Kata, all_katas, find  # noqa: E402

BARE_RAY = (
    "import ray; "
    # address="local": a fresh runtime, never a head some other program recorded.
    "ray.init(address='local', num_cpus=2, include_dashboard=False); ray.shutdown()"
)


def timed(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    started = time.monotonic()
    proc = subprocess.run(command, cwd=REPO, capture_output=True, timeout=3600, env=env)
    return time.monotonic() - started, proc.returncode


def pytest_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", *args, "-q", "-p", "no:cacheprovider"]


def first_mutant(kata: Kata) -> str | None:
    """The kata's first mutant by name, as a module for --impl: a typical wrong answer."""
    folder = REPO / "tests" / "mutants" / kata.slug
    names = sorted(p.stem for p in folder.glob("*.py") if not p.name.startswith("_"))
    return f"tests.mutants.{kata.slug}.{names[0]}" if names else None


def median_of(runs: int, command: list[str], env: dict[str, str]) -> tuple[float, set[int]]:
    """The median wall time of `runs` runs of `command`, and the exit codes they ended with."""
    results = [timed(command, env) for _ in range(runs)]
    return statistics.median(t for t, _ in results), {code for _, code in results}


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def _row(label: str, seconds: float, bare: float, codes: set[int], want: set[int]) -> str:
    flag = "" if codes <= want else f"  exit {sorted(codes)} (expected {sorted(want)})"
    return f"{label:<38} {seconds:8.2f} {seconds / bare:7.2f}x{flag}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kata", action="append", default=[], help="kata number (repeatable)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--whole", action="store_true", help="also time pytest katas/")
    parser.add_argument("--self-check", action="store_true", help="also time plain pytest")
    parser.add_argument(
        "--no-daemon", action="store_true", help="every run starts its own Ray (the old way)"
    )
    args = parser.parse_args()
    katas = [find(k) for k in args.kata] if args.kata else all_katas()
    env = {k: v for k, v in os.environ.items() if k != "DOJO_NO_DAEMON"}
    if args.no_daemon:
        env["DOJO_NO_DAEMON"] = "1"
    else:
        # The first run starts the checkout's head; the runs measured then reuse it, as a
        # learner's do (a red run after a green one, and so on).
        timed(pytest_command("katas/k01_await_one_ref", "--solutions"), env)

    print(load(), flush=True)
    bare, _ = median_of(args.runs, [sys.executable, "-c", BARE_RAY], env)
    print(f"bare Ray start and stop: {bare:.2f} s (median of {args.runs})\n", flush=True)
    print(f"{'kata':<38} {'green s':>8} {'ratio':>8}   {'red s':>6} {'ratio':>8}", flush=True)
    unexpected = 0
    for kata in katas:
        target = f"katas/{kata.slug}"
        green, green_codes = median_of(args.runs, pytest_command(target, "--solutions"), env)
        line = _row(kata.slug, green, bare, green_codes, {0})
        mutant = first_mutant(kata)
        if mutant:
            red, red_codes = median_of(
                args.runs, pytest_command(target, "--impl", mutant, "--stop-at-first-failure"), env
            )
            line += f"   {red:6.2f} {red / bare:7.2f}x" + ("" if red_codes == {1} else " (!)")
            unexpected += red_codes != {1}
        unexpected += green_codes != {0}
        print(line, flush=True)
    wholes = []
    if args.whole:
        wholes.append(("whole katas/ --solutions", pytest_command("katas/", "--solutions")))
    if args.self_check:
        wholes.append(("whole self-check (pytest)", pytest_command()))
    for label, command in wholes:
        seconds, codes = median_of(args.runs, command, env)
        unexpected += codes != {0}
        print(_row(label, seconds, bare, codes, {0}), flush=True)
    print(f"\n{load()}")
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
