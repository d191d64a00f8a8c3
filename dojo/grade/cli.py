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
from dojo.grade import sandbox
from dojo.grade.class_run import (
    GradingBroke,
    LearnerGrade,
    NotACheckout,
    choose_katas,
    find_learners,
    grade_all,
)
from dojo.grade.learner_run import Limits
from dojo.grade.learners import ClassFolders
from dojo.grade.report import SummaryCsv, summary_table, write_csv, write_learner, write_skipped
from dojo.grade.text import clean, cut, printable_path
from dojo.kata import catalogue

_MARK = {
    "pass": "[green]pass[/]",
    "fail": "[red]fail[/]",
    "error": "[magenta]error[/]",
    "tampered": "[bold red]TAMPERED[/]",
}
SHOWN_PATHS = 5  # of a tampered run's changed paths, in the terminal (all in results.json)


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
        found = find_learners(paths)
    except (catalogue.UnknownKata, NotACheckout) as err:
        console.print(f"[red]{escape(str(err))}[/red]", highlight=False)
        return 2
    learners = found.learners
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
    _announce(len(learners), len(katas), jobs, address, limits, console)
    _show_folders(found, out, console)
    summary = SummaryCsv(katas, csv_path)
    done = _reporter(out, junit, summary, console)
    started = time.monotonic()
    try:
        grades = grade_all(learners, katas, address=address, jobs=jobs, limits=limits, on_done=done)
    except GradingBroke as err:
        console.print(f"[red]grading stopped: {escape(str(err))}[/red]", highlight=False)
        return 1
    except KeyboardInterrupt:
        console.print(f"[red]interrupted[/red]: the learners graded so far are in {out}/")
        return 130
    finally:
        summary.close()  # the rows of the learners graded so far stay
    try:
        write_csv(grades, katas, csv_path)  # again, in the learners' order
    except OSError as err:  # the rows written as grading went are still there
        console.print(f"[red]{escape(clean(str(err)))}[/red]", highlight=False)
    console.print(summary_table(grades, katas))
    console.print(
        f"graded in {time.monotonic() - started:.0f} s. Per learner: {out}/<learner>/results.json"
        f"{' and junit.xml' if junit else ''}; class summary: {csv_path}",
        highlight=False,
    )
    return 0


def _announce(
    learners: int, katas: int, jobs: int, address: str | None, limits: Limits, console: Console
) -> None:
    """Who is graded on what, where, and whether each run is sandboxed (red when not)."""
    unsandboxed = sandbox.reason_for(address)
    if unsandboxed is None:
        where = "each learner's own Ray, inside its sandbox"
    elif address:
        where = f"the cluster at {address}"
    else:
        where = f"{min(jobs, learners)} private Ray head(s)"
    console.print(
        f"grading {learners} learner(s) on {katas} kata(s), {jobs} at a time, on {where}…",
        highlight=False,
    )
    style = "green" if unsandboxed is None else "bold red"
    console.print(f"[{style}]{escape(sandbox.describe(unsandboxed, limits))}[/]", highlight=False)


def _reporter(out: Path, junit: bool, summary: SummaryCsv, console: Console):
    """What is done with each learner's grade as soon as it is in: its reports written, its
    summary row added, its line printed."""

    def done(grade: LearnerGrade) -> None:
        # Guarded: one learner's reports failing to be written must not stop the class.
        try:
            write_learner(grade, out, junit=junit)
            summary.add(grade)
        except Exception as err:
            console.print(
                f"  [red]{escape(grade.learner.name)}: its reports could not be written "
                f"({escape(type(err).__name__)}: {escape(clean(str(err)))})[/red]",
                highlight=False,
            )
        points = f"{grade.points}/{grade.max_points} points"
        notes = f", {len(grade.notes)} note(s) in results.json" if grade.notes else ""
        console.print(
            f"  {escape(grade.learner.name)}: {_MARK.get(grade.status, grade.status)} {points} "
            f"({grade.seconds:.0f} s{notes})",
            highlight=False,
        )
        _show_integrity(grade, console)

    return done


def _show_integrity(grade: LearnerGrade, console: Console) -> None:
    """Under a learner's line: what it changed of the files the tests run from, and what
    looks forged (dojo.grade.integrity, dojo.grade.suspicion)."""
    changed = grade.tampering.changed
    if changed:
        more = f" and {len(changed) - SHOWN_PATHS} more" if len(changed) > SHOWN_PATHS else ""
        shown = ", ".join(clean(p) for p in changed[:SHOWN_PATHS])
        console.print(f"    [bold red]tampered:[/] {escape(shown)}{more}", highlight=False)
        if grade.tampering.others_running:
            others = ", ".join(grade.tampering.others_running)
            console.print(f"      (also running then: {escape(others)})", highlight=False)
        for failure in grade.tampering.not_restored[:SHOWN_PATHS]:
            console.print(f"      [red]not restored:[/] {escape(clean(failure))}", highlight=False)
        if grade.tampering.displaced:
            where = grade.tampering.displaced[0].rpartition(" -> ")[2]
            console.print(f"      what was undone is kept (e.g. {escape(clean(where))})")
    if grade.flags:
        first = cut(clean(grade.flags[0]), 200)
        more = f" (+{len(grade.flags) - 1} more in results.json)" if len(grade.flags) > 1 else ""
        console.print(f"    [yellow]flagged:[/] {escape(first)}{more}", highlight=False)


def _show_folders(found: ClassFolders, out: Path, console: Console) -> None:
    """Say which learners were renamed and which folders are skipped (also in skipped.txt)."""
    for learner in found.learners:
        if learner.renamed:
            console.print(
                f"  [yellow]{escape(learner.name)}[/yellow] is the folder "
                f"{escape(printable_path(learner.folder or learner.checkout))} "
                f"({escape(learner.renamed)})",
                highlight=False,
            )
    if not found.skipped:
        return
    console.print(f"[yellow]skipped {len(found.skipped)} folder(s)[/yellow]:", highlight=False)
    for skipped in found.skipped:
        console.print(f"  {escape(str(skipped))}", highlight=False)
    out.mkdir(parents=True, exist_ok=True)
    write_skipped(found.skipped, out / "skipped.txt")
