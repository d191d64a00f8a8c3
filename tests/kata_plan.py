"""The self-check's kata plan (tests/test_katas.py), run in the background from the start of
the session.

The plan is the longest part of the self-check (about 10 minutes on 2 cores) and mostly waits
on its katas' deliberate delays, as do many of the other tests (subprocesses, Ray starting),
so they run side by side: tests/conftest.py starts the plan once the session's tests are
collected and runs tests/test_katas.py after the lighter tests, whose tests then read the
plan's verdicts; the heaviest files (conftest's AFTER_THE_PLAN) come after it.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future

from dojo.cluster.ray_runtime import restore_interrupts
from dojo.kata.catalogue import all_katas
from dojo.kata.verify import Variant, plan_for, run_plan

VARIANTS: list[Variant] = plan_for(all_katas())


class BackgroundPlan:
    """run_plan(variants) in a thread of its own: started once, read by every test that needs
    it, stopped (its shards killed, their heads stopped) if the session ends first."""

    def __init__(self, variants: list[Variant]) -> None:
        self.variants = variants
        self._future: Future = Future()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.started = self.finished = 0.0  # time.monotonic() of its start and end
        self.first_read = 0.0  # when a test first waited for its verdicts

    def start(self) -> None:
        if self._thread is not None:
            return
        # In the main thread: a head started from another thread could not undo an inherited
        # "ignore SIGINT", and its workers need SIGINT for ray.cancel (see restore_interrupts).
        restore_interrupts()
        self.started = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="kata-plan", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            outcome = run_plan(self.variants, stop=self._stop)
        except BaseException as error:  # the tests that read it report it
            self.finished = time.monotonic()
            self._future.set_exception(error)
        else:
            self.finished = time.monotonic()
            self._future.set_result(outcome)

    def result(self) -> tuple[list[dict], str]:
        """(per-test results, pytest's output): waits for the plan, starting it if need be."""
        self.start()
        self.first_read = self.first_read or time.monotonic()
        return self._future.result()

    def timing(self) -> str:
        """One line for the session's summary: which of the two, the plan or the other tests,
        the session waited for (where a faster self-check must gain its time)."""
        if not (self.started and self.finished and self.first_read):
            return ""
        ran = self.finished - self.started
        if self.finished > self.first_read:
            return (
                f"kata plan: {ran:.0f} s in the background; the other tests were done "
                f"{self.finished - self.first_read:.0f} s before it"
            )
        return (
            f"kata plan: {ran:.0f} s in the background, done "
            f"{self.first_read - self.finished:.0f} s before the other tests"
        )

    def stop(self) -> None:
        """End a plan still running (the session is over) and wait until its heads are down."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join(timeout=60)


PLAN = BackgroundPlan(VARIANTS)
