"""Wall-clock checks, used only after a mechanism has proved the overlap.

Upper bounds only, always relative to what sequential execution would cost, and always after
warming up Ray's lazily started worker processes.
"""

from __future__ import annotations

import asyncio
import os
import time

import ray

from dojo.harness.probes import Probe
from dojo.harness.teach import fail


class Stopwatch:
    """Wall-clock time of a block (time.monotonic); `elapsed` is set when the block ends and
    `so_far` reads it while it runs. For generous upper bounds only: concurrency is proven
    by mechanism first (see dojo.harness.probes).

    Examples:
        >>> with Stopwatch() as watch:
        ...     do_something()
        >>> watch.elapsed
    """

    def __enter__(self) -> Stopwatch:
        self.started = time.monotonic()
        self.elapsed = 0.0
        return self

    def __exit__(self, *exc) -> None:
        self.elapsed = time.monotonic() - self.started

    @property
    def so_far(self) -> float:
        return time.monotonic() - self.started


# A machine this many times busier than its cores (load average per core) stretches a
# window by as much, never more: a wrong answer on it still gets its verdict in seconds.
MAX_STRETCH = 3.0


def stretched(seconds: float) -> float:
    """`seconds` for a window that judges "nothing moved for so long", stretched by how busy
    the machine is now (the 1-minute load average per core, between 1 and MAX_STRETCH).

    On an idle machine a streaming answer moves within milliseconds, and a few seconds of
    stillness is proof of a stuck one. On two cores shared with other work (a self-check
    with three kata shards beside it reached a load of 42), one message between two
    processes has taken longer than that, and a right answer failed. Only windows whose
    stillness is the whole evidence are stretched: a wrong answer that stalls for ever waits
    longer on a busy machine, a right one is never failed for the machine's load."""
    try:
        load = os.getloadavg()[0]
    except OSError:  # no load average here: judge as on an idle machine
        return seconds
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return seconds * min(MAX_STRETCH, max(1.0, load / max(1, cores or 1)))


@ray.remote(num_cpus=0)
def _hold_a_worker(probe: Probe) -> None:
    with probe.track("warm-up"):
        pass


async def warm_workers(n: int, within: float = 20.0, at_most: float = 12.0) -> None:
    """Make sure n worker processes are up (Ray starts them lazily, about two at a time, and
    stops idle extras after about a second), so the measured run right after this does not
    pay for process start-up. Each warm-up task waits at a barrier until all n run at once,
    which forces n distinct workers to exist.

    Best effort: after `at_most` seconds the test goes on, warm or not (the tests judge by
    mechanism; on a badly loaded machine a longer wait would only eat the test's own limit,
    and a stub would time out before it could say "not done yet")."""
    probe = Probe.create(barrier=n, barrier_idle=within)
    holds = [_hold_a_worker.remote(probe) for _ in range(n)]
    try:
        await asyncio.wait_for(asyncio.gather(*holds), at_most)
    except TimeoutError:
        pass
    finally:
        probe.release()


def assert_well_under_sequential(
    elapsed: float,
    calls: int,
    seconds_each: float,
    fraction: float = 0.6,
    likely: str = "the calls ran one after another: did you await each one inside the loop?",
    picture: str | None = None,
    peak: int | None = None,
) -> None:
    """Fail when `calls` calls of `seconds_each` took more than `fraction` of their
    sequential cost. With `peak` (the probe's peak in flight): only when they did not all
    overlap. All in flight at once and still slow means the machine was busy (two cores
    shared with other work stretch every call), not that the code serialised them: blaming
    the learner then would be a flaky test."""
    sequential = calls * seconds_each
    overlapped = peak is not None and peak >= calls
    if elapsed > fraction * sequential and not overlapped:
        fail(
            f"{calls} calls of {seconds_each:.2f} s took {elapsed:.2f} s in all",
            f"well under the sequential cost of {sequential:.2f} s "
            f"(at most {fraction * sequential:.2f} s)",
            likely,
            picture,
        )
