"""What the grading sandbox costs: seconds per learner, sandboxed and not.

    .venv/bin/python bench/grade_sandbox.py                  # 3 learners x kata 01
    .venv/bin/python bench/grade_sandbox.py --learners 5 --kata 2 --jobs 2

Grades the same class (copies of tests/submissions/correct) twice with `grade_all`: once in
bubblewrap sandboxes (each learner starts its own Ray inside), once with
DOJO_GRADE_SANDBOX=off (learners share a private `ray start --head` per slot, started once).
Prints, per mode, the median and max seconds per learner (`LearnerGrade.seconds`), the
whole run's wall time (the unsandboxed one includes starting its heads), and the ratios.
Numbers only: nothing here asserts a time. Grade on a quiet machine: the load is printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from dojo.grade import class_run, sandbox  # noqa: E402
from dojo.kata.catalogue import find  # noqa: E402

CORRECT = REPO / "tests" / "submissions" / "correct"


def grade_class(folder: Path, kata, jobs: int, sandboxed: bool) -> tuple[list[float], float, set]:
    """(seconds per learner, wall seconds, statuses) of grading every learner in folder."""
    if sandboxed:
        os.environ.pop(sandbox.SWITCH, None)
    else:
        os.environ[sandbox.SWITCH] = "off"
    learners = class_run.learners_from([folder])
    started = time.monotonic()
    grades = class_run.grade_all(learners, [kata], jobs=jobs)
    wall = time.monotonic() - started
    for g in grades:
        if g.status != "pass":  # the numbers of a run that did not pass need explaining
            print(f"  {g.learner.name}: {g.status}: {(g.message or '').splitlines()[:3]}")
    return [g.seconds for g in grades], wall, {g.status for g in grades}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=3)
    parser.add_argument("--kata", default="1", help="kata number (the class's copies pass it)")
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    kata = find(args.kata)
    if not (CORRECT / kata.slug).is_dir():
        parser.error(f"tests/submissions/correct has no {kata.slug}")
    unavailable = sandbox.available()
    if unavailable:
        print(f"no sandbox here: {unavailable}")
        return 1
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as tmp:
        folder = Path(tmp) / "class"
        for i in range(args.learners):
            shutil.copytree(CORRECT / kata.slug, folder / f"learner{i}" / kata.slug)
        print(f"{args.learners} learners x {kata.slug}, {args.jobs} at a time; "
              f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")  # fmt: skip
        print(f"{'mode':<12} {'median s/learner':>17} {'max s':>7} {'wall s':>7}  statuses")
        results = {}
        for label, sandboxed in (("sandboxed", True), ("unsandboxed", False)):
            seconds, wall, statuses = grade_class(folder, kata, args.jobs, sandboxed)
            results[label] = (statistics.median(seconds), wall)
            print(
                f"{label:<12} {statistics.median(seconds):17.2f} {max(seconds):7.2f} "
                f"{wall:7.2f}  {','.join(sorted(statuses))}",
                flush=True,
            )
    (per_s, wall_s), (per_u, wall_u) = results["sandboxed"], results["unsandboxed"]
    print(f"ratio sandboxed/unsandboxed: {per_s / per_u:.2f} per learner, "
          f"{wall_s / wall_u:.2f} wall")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
