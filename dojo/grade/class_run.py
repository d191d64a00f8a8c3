"""`dojo grade`: grade learners' checkouts with the repository's own kata tests.

A checkout is a folder holding `kNN_slug/kata.py` folders (a copy of katas/), or a folder
that holds such a `katas/`; a folder of checkouts grades each one. Each learner runs in
pytest subprocesses of their own (dojo/grade/learner_run.py), so hangs, crashes and exits are
reported and grading goes on. Reports are written by dojo/grade/report.py.

Scoring: a kata is worth its points in catalogue.toml, all or nothing, unless the catalogue
gives it `scoring = "per-test"`: then each passing test earns an equal share. A kata whose
kata.py is missing, or still the shipped stub, is "not attempted" and is not run at all; one
whose kata.py does not compile is not run either.

Ray: one private `ray start --head` per parallel slot (each learner job connects in ~0.2 s
instead of starting Ray in ~3 s; a job's tasks and actors end with its driver, so learners do
not leak into each other), or the cluster in RAY_ADDRESS for everyone.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import queue
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from dojo.grade import sandbox
from dojo.grade.events import describe_dropped
from dojo.grade.integrity import IntegrityGuard, Tampering
from dojo.grade.learner_run import Cancelled, KataRun, Limits, TestOutcome, run_katas, stage
from dojo.grade.learners import ClassFolders, Learner, find_class
from dojo.grade.learners import NotACheckout as NotACheckout
from dojo.grade.plugin import NOT_RUN_PREFIX
from dojo.grade.precheck import Refused, compile_kata, read_kata, refuse_solution_imports
from dojo.grade.suspicion import flags_for
from dojo.grade.text import cut
from dojo.kata import catalogue
from dojo.kata.catalogue import Kata

NOT_ATTEMPTED = "not_attempted"
# The default time limit of one learner's run: this much per kata run, and at least the
# minimum. Generous: a correct kata takes ~10 s on a loaded 2-core machine, and a hang is
# stopped by the test's own limit (30 s) or the stall watchdog long before.
SECONDS_PER_KATA = 60.0
MIN_TIME_LIMIT = 120.0


class GradingBroke(RuntimeError):
    """Grading itself could not go on (not a learner's fault)."""


# -- learners ----------------------------------------------------------------------------


def find_learners(paths: Iterable[str | Path]) -> ClassFolders:
    """The learners in PATHs, and the folders skipped with the reason (see dojo.grade.learners)."""
    return find_class(paths, {k.slug for k in catalogue.all_katas()})


def learners_from(paths: Iterable[str | Path]) -> list[Learner]:
    """Each PATH is a checkout, or a folder of checkouts (every subfolder that is one)."""
    return find_learners(paths).learners


def choose_katas(keys: Iterable[str | int] | None) -> list[Kata]:
    """The katas to grade (all by default); raises catalogue.UnknownKata."""
    if not keys:
        return catalogue.all_katas()
    chosen = {catalogue.find(k).slug: catalogue.find(k) for k in keys}
    return sorted(chosen.values(), key=lambda k: k.number)


# -- scoring -----------------------------------------------------------------------------


def kata_points(max_points: int, statuses: list[str], per_test: bool) -> float | int:
    if not statuses:
        return 0
    passed = sum(s == "pass" for s in statuses)
    if per_test:
        return round(max_points * passed / len(statuses), 2)
    return max_points if passed == len(statuses) else 0


@dataclass
class KataGrade:
    kata: Kata
    status: str  # "pass" | "fail" | "error" | "not_attempted"
    points: float | int
    max_points: int
    tests: list[TestOutcome]
    problem: str = ""  # why it was not run at all, if so

    def cause(self) -> str:
        """Why an errored kata errored: its own problem, or the first test that broke."""
        if self.problem:
            return f"{self.kata.slug}: {self.problem}"
        broken = [t for t in self.tests if t.status == "error"]
        if not broken:
            return f"{self.kata.slug}: {self.status}"
        first = next((t for t in broken if not t.message.startswith(NOT_RUN_PREFIX)), broken[0])
        return f"{self.kata.slug} · {first.test}: {first.message}"


@dataclass
class LearnerGrade:
    learner: Learner
    katas: list[KataGrade]
    seconds: float = 0.0
    log: str = ""
    notes: list[str] = field(default_factory=list)  # about the run rather than one kata
    # dojo.grade.integrity: what changed in the files the tests run from during this run
    tampering: Tampering = field(default_factory=Tampering)
    # dojo.grade.suspicion: what looks forged, for the instructor (points are unchanged)
    flags: list[str] = field(default_factory=list)
    # dojo.grade.sandbox.describe: sandboxed or UNSANDBOXED, and the limits that held
    sandbox: str = ""

    @property
    def points(self) -> float | int:
        return round(sum(k.points for k in self.katas), 2)

    @property
    def max_points(self) -> int:
        return sum(k.max_points for k in self.katas)

    @property
    def status(self) -> str:
        """exercism's meaning: "error" when some test could not judge the code (it does not
        compile, crashed or hung the process, hung past its time limit, or was not run).
        "tampered" wins over all: the tests this run measured against had been changed."""
        if self.tampering:
            return "tampered"
        if any(k.status == "error" for k in self.katas):
            return "error"
        return "pass" if all(k.status == "pass" for k in self.katas) else "fail"

    @property
    def message(self) -> str | None:
        """What went wrong, for an "error" or "tampered" status; None otherwise."""
        if self.tampering:
            return "tampered: " + self.tampering.summary()
        if self.status != "error":
            return None
        return "\n\n".join([k.cause() for k in self.katas if k.status == "error"] + self.notes)


# -- one learner -------------------------------------------------------------------------


def _unchanged_stub(kata: Kata, text: str) -> bool:
    from dojo.kata.shipped import shipped_stubs

    return shipped_stubs().get(kata.slug) == text


def _precheck(kata: Kata, source: Path) -> tuple[str, str] | str:
    """(status, message) for a kata that must not be run, or the text to run: missing, still
    the stub, not safe to read, not compiling, or importing the solutions (dojo.grade.precheck).
    The text checked is the text run: the file is not read again (it could have changed)."""
    try:
        text = read_kata(source, missing_status=NOT_ATTEMPTED)
        if _unchanged_stub(kata, text):
            return NOT_ATTEMPTED, f"not attempted: {source} is still the shipped stub"
        refuse_solution_imports(compile_kata(text, source), source)
    except Refused as refused:
        return refused.status, refused.message
    return text


def _tests_without_run(kata: Kata, status: str, message: str) -> list[TestOutcome]:
    return [TestOutcome(kata.slug, name, "", status, message) for name in kata.test_names()]


def _never_stops_the_class(grade_one):
    """grade_learner's guard: whatever goes wrong grading one learner (a bug, an OSError, a
    submission that breaks the grader's own parsing) becomes that learner's "error" result,
    and grading goes on with the next. An interrupt (Ctrl-C, Cancelled) still stops it."""

    @functools.wraps(grade_one)
    def guarded(learner: Learner, katas: list[Kata], *args, **kwargs) -> LearnerGrade:
        started = time.monotonic()
        try:
            return grade_one(learner, katas, *args, **kwargs)
        except (Cancelled, GradingBroke):
            raise
        except Exception as err:
            return _grading_failed(learner, katas, err, time.monotonic() - started)

    return guarded


def _grading_failed(learner: Learner, katas: list[Kata], err: Exception, seconds: float):
    reason = f"grading this learner failed ({type(err).__name__}: {cut(str(err), 500)})"
    grades = []
    for kata in katas:
        message = f"{NOT_RUN_PREFIX}{reason}"
        tests = _tests_without_run(kata, "error", message)
        grades.append(KataGrade(kata, "error", 0, kata.points, tests, problem=message))
    where = cut("".join(traceback.format_exception(err)), 4000)
    note = f"{reason}; the other learners were graded. For a bug report:\n{where}"
    return LearnerGrade(learner, grades, seconds, notes=[note])


@_never_stops_the_class
def grade_learner(
    learner: Learner,
    katas: list[Kata],
    index: int,
    workdir: Path,
    *,
    address: str | None,
    private_head: bool = False,
    limits: Limits | None = None,
    cancel: threading.Event | None = None,
    guard: IntegrityGuard | None = None,
    isolation: sandbox.Isolation | None = None,
) -> LearnerGrade:
    """Grade one learner. With a `guard`, the files the tests run from are checked after
    the learner's run (and restored): a change makes the learner "tampered"."""
    started = time.monotonic()
    verdicts: dict[str, tuple[str, str]] = {}
    to_run: dict[str, str] = {}  # slug -> the kata.py text checked
    for kata in katas:
        checked = _precheck(kata, learner.checkout / kata.slug / "kata.py")
        if isinstance(checked, str):
            to_run[kata.slug] = checked
        else:
            verdicts[kata.slug] = checked
    run = KataRun()
    tampering = Tampering()
    if to_run:
        root = workdir / str(index)
        package = stage(to_run, root, index)
        limits = limits or Limits()
        if limits.time_limit is None:
            default = max(MIN_TIME_LIMIT, SECONDS_PER_KATA * len(to_run))
            limits = dataclasses.replace(limits, time_limit=default)
        watching = guard.watching(learner.name) if guard else contextlib.nullcontext(tampering)
        with watching as tampering:  # filled in when the run is over and the sandbox gone
            run = run_katas(
                package,
                root,
                list(to_run),
                address=address,
                limits=limits,
                private_head=private_head,
                stop_after_hang={k.slug for k in katas if k.slug in to_run and not k.per_test},
                cancel=cancel,
                **({"isolation": isolation} if isolation else {}),
            )
        _show_learner_paths(run, f"{root / package}/", f"{learner.checkout}/")
    grades = [_grade_kata(kata, verdicts.get(kata.slug), run) for kata in katas]
    notes = [f"pytest ended before it ran any test:\n{run.output_tail}"] if run.output_tail else []
    if run.dropped_events:
        notes.append(describe_dropped(run.dropped_events))
    flags = flags_for(to_run, [t for g in grades for t in g.tests])
    seconds = time.monotonic() - started
    return LearnerGrade(learner, grades, seconds, run.log, notes, tampering, flags)


def _show_learner_paths(run: KataRun, staged: str, shown: str) -> None:
    """Messages name the learner's own files, not the throwaway copy."""
    for test in run.tests.values():
        test.message = test.message.replace(staged, shown)
    run.problems = [p.replace(staged, shown) for p in run.problems]
    run.output_tail = run.output_tail.replace(staged, shown)


def _grade_kata(kata: Kata, verdict: tuple[str, str] | None, run: KataRun) -> KataGrade:
    per_test = kata.per_test
    if verdict:
        status, message = verdict
        test_status = "fail" if status == NOT_ATTEMPTED else "error"
        tests = _tests_without_run(kata, test_status, message)
        return KataGrade(kata, status, 0, kata.points, tests, problem=message)
    tests = run.of_kata(kata.slug)
    if not tests:  # the process ended before it even collected the tests
        why = "; ".join(run.problems) or "the tests did not run"
        tests = _tests_without_run(kata, "error", f"{NOT_RUN_PREFIX}{why}")
    statuses = [t.status for t in tests]
    if all(s == "pass" for s in statuses):
        status = "pass"
    else:
        status = "error" if "error" in statuses else "fail"
    points = kata_points(kata.points, statuses, per_test)
    return KataGrade(kata, status, points, kata.points, tests)


# -- the class ---------------------------------------------------------------------------


def _start_heads(count: int):
    """Start `count` private Ray heads side by side (each takes ~3-4 s)."""
    from dojo.cluster.head import LocalHead

    heads = [LocalHead(num_cpus=2) for _ in range(count)]
    errors: list[BaseException] = []

    def start(head):
        try:
            head.start()
        except Exception as err:  # reported below, after every head was tried
            errors.append(err)

    threads = [threading.Thread(target=start, args=(h,)) for h in heads]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        for head in heads:
            head.stop()
        raise GradingBroke(f"could not start a private Ray head: {errors[0]}")
    return heads


def grade_all(
    learners: list[Learner],
    katas: list[Kata],
    *,
    address: str | None = None,
    jobs: int = 2,
    limits: Limits | None = None,
    on_done: Callable[[LearnerGrade], None] | None = None,
) -> list[LearnerGrade]:
    """Grade every learner, `jobs` at a time; results in the order of `learners`.

    Sandboxed (dojo/grade/sandbox.py, when bubblewrap works and there is no `address`),
    each learner's run starts its own Ray inside its sandbox. Unsandboxed, every learner
    uses the cluster at `address`, or each parallel slot gets a private head of its own
    (2 CPUs each, so CPU-counting katas are not disturbed by another learner's tasks).

    The grader's temporary folder (/tmp/dojo-grade-*, removed at the end) holds:
    `repo/`, the read-only copy of the repository every learner's tests run from
    (`sandbox.make_repo_copy`; an integrity check can fingerprint it before and after each
    learner), and `<index>/` per learner: its staged package `dojo_learner_<index>/`,
    the event logs `events<attempt>.jsonl` and the capped `pytest<attempt>.log`."""
    jobs = max(1, min(jobs, len(learners)))
    reason = sandbox.reason_for(address)
    sandbox.sweep_stale_cgroups()
    heads = [] if address or reason is None else _start_heads(jobs)
    slots: queue.Queue[str | None] = queue.Queue()
    for i in range(jobs):
        slots.put(address or (heads[i].address if heads else None))
    cancel = threading.Event()
    try:
        with (
            sandbox.terminate_as_interrupt(),
            tempfile.TemporaryDirectory(prefix="dojo-grade-", dir="/tmp") as tmp,
        ):
            isolation = sandbox.Isolation(sandbox.make_repo_copy(Path(tmp) / "repo"), reason)
            how = sandbox.describe(reason, limits or Limits())
            # Sandboxed, learners can write neither the repository nor the venv: only the
            # copy they run against is theirs to blame (dojo/grade/integrity.py).
            guard = IntegrityGuard(Path(tmp) / "integrity", learners_can_write=reason is not None)
            guard.protect(isolation.repo_copy)

            def one(index: int, learner: Learner) -> LearnerGrade:
                slot = slots.get()
                try:
                    grade = grade_learner(
                        learner, katas, index, Path(tmp), address=slot,
                        private_head=not address, limits=limits, cancel=cancel,
                        isolation=isolation, guard=guard,
                    )  # fmt: skip
                finally:
                    slots.put(slot)
                grade.sandbox = how
                if on_done:
                    on_done(grade)
                return grade

            pool = ThreadPoolExecutor(max_workers=jobs)
            try:
                futures = [pool.submit(one, i, learner) for i, learner in enumerate(learners)]
                return [f.result() for f in futures]
            except BaseException:
                cancel.set()  # Ctrl-C or a bug: the running learners' processes are killed
                raise
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
    finally:
        for head in heads:
            head.stop()
