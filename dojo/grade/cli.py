"""`dojo grade` as a command: check the request, grade, write the reports, print the summary.

Exit codes: 0 when grading completed (whatever the learners scored), 2 for a usage error
(a PATH that is not a checkout, an unknown kata), 1 when grading itself could not run
(unreachable RAY_ADDRESS, a private Ray head that would not start), 130 on Ctrl-C.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from dojo.cluster import ray_runtime
from dojo.grade.class_run import GradingBroke, LearnerGrade, NotACheckout, choose_katas, grade_all
from dojo.grade.class_run import learners_from as find_learners
from dojo.grade.learner_run import Limits
from dojo.grade.report import summary_table, write_csv, write_learner
from dojo.kata import catalogue

_MARK = {"pass": "[green]pass[/]", "fail": "[red]fail[/]", "error": "[magenta]error[/]"}


def run(
    paths: list[str],
    kata_keys: list[str] | None,
    out: str | Path,
    csv_path: str | Path | None,
    junit: bool,
    jobs: int | None,
    limits: Limits,
    console: Console,
) -> int:
    try:
        katas = choose_katas(kata_keys)
        learners = find_learners(paths)
    except (catalogue.UnknownKata, NotACheckout) as err:
        console.print(f"[red]{escape(str(err))}[/red]", highlight=False)
        return 2
    out = Path(out)
    csv_path = Path(csv_path) if csv_path else out / "summary.csv"
    address = os.environ.get("RAY_ADDRESS") or None
    if address:
        try:
            # Fail in seconds instead of letting every learner's run hang on a dead address.
            ray_runtime.check_reachable(address)
        except ray_runtime.ClusterUnreachable as err:
            console.print(f"[red]{escape(str(err))}[/red]", highlight=False)
            return 1
    # Own heads: one per slot, 2 slots fit a 2-core machine. A shared cluster: one at a
    # time, as `dojo verify` does, so CPU-counting katas are not disturbed.
    jobs = jobs or (1 if address else 2)
    heads = min(jobs, len(learners))
    where = f"the cluster at {address}" if address else f"{heads} private Ray head(s)"
    console.print(
        f"grading {len(learners)} learner(s) on {len(katas)} kata(s), {jobs} at a time, "
        f"on {where}…",
        highlight=False,
    )

    def done(grade: LearnerGrade) -> None:
        write_learner(grade, out, junit=junit)
        points = f"{grade.points}/{grade.max_points} points"
        console.print(
            f"  {escape(grade.learner.name)}: {_MARK[grade.status]} {points} "
            f"({grade.seconds:.0f} s)",
            highlight=False,
        )

    started = time.monotonic()
    try:
        grades = grade_all(learners, katas, address=address, jobs=jobs, limits=limits, on_done=done)
    except GradingBroke as err:
        console.print(f"[red]grading stopped: {escape(str(err))}[/red]", highlight=False)
        return 1
    except KeyboardInterrupt:
        console.print(f"[red]interrupted[/red]: the learners graded so far are in {out}/")
        return 130
    write_csv(grades, katas, csv_path)
    console.print(summary_table(grades, katas))
    console.print(
        f"graded in {time.monotonic() - started:.0f} s. Per learner: {out}/<learner>/results.json"
        f"{' and junit.xml' if junit else ''}; class summary: {csv_path}",
        highlight=False,
    )
    return 0
