"""Were the calls started together? An early verdict for code that runs on the test's loop.

A barrier that waits for N calls cannot tell a slow machine from code that starts one call and
waits for it before starting the next: it waits `barrier_idle` seconds (about 4) for the
missing calls, on every run of that mistake. When the code under test runs in the test's own
process (the katas where the learner's coroutine runs on the driver), the test can see more:
how many calls the code has handed to Ray (its `.remote()` calls of the kata's given remote
function, counted here) and how many of them reached the probe.

Every call handed over has arrived, fewer than N, and the code hands over nothing more for
QUIET seconds while the loop stays free (this module's watcher keeps getting its turns): the
code is waiting for those calls before it starts the next, and waiting longer cannot change
that. A machine that is merely slow shows calls handed over but not arrived yet, and keeps
the long wait. So does code this cannot count (a remote function of its own, a blocked
loop): the barrier's own idle limit still decides there. Calls made through `.options(...)`
are counted like the others.

The other way round: every one of the N calls handed over, some not arrived yet. The code
did its part and Ray is still starting workers for the rest (on a loaded machine, more than
the barrier's idle limit: a CI run saw 7 of 8 arrive and the 8th not within 4 s, and failed
a right answer). The barrier is then held open (`probe.hold_barrier`) for up to HOLD_LIMIT
seconds more, while a CPU is free: calls that wait for a CPU (each asks for one, and the
ones in flight hold them all: kata 03's lesson) would never arrive, and are left to the
barrier's idle limit as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

QUIET = 1.0  # seconds with every handed-over call arrived and nothing new handed over
TICK = 0.05
# A longer gap between two of the watcher's turns means the loop was not free (or the machine
# stalled): what happened meanwhile is no evidence, and the quiet starts again.
MAX_TICK_GAP = 0.5
# With every call handed over, the barrier is held open this long at most for the ones still
# on their way (a worker start on two busy cores: seconds), and refreshed this often.
HOLD_LIMIT = 20.0
HOLD_EVERY = 0.5


async def _a_cpu_is_free() -> bool:
    """Could a call waiting for a CPU start now? (Asked in a thread: the loop is the test's.)"""
    import ray

    from dojo.harness.feasibility import in_poller

    free = await in_poller(lambda: ray.available_resources().get("CPU", 0.0))
    return free >= 1.0


class _CountedRemoteFunction:
    """Stands in for a remote function: counts `.remote()` calls, also those made through
    `.options(...)` (what it returns is counted the same way), delegates everything else."""

    def __init__(self, function, watch: HandoffWatch):
        self._function = function
        self._watch = watch

    def remote(self, *args, **kwargs):
        self._watch.handed_over += 1
        return self._function.remote(*args, **kwargs)

    def options(self, *args, **kwargs):
        return _CountedRemoteFunction(self._function.options(*args, **kwargs), self._watch)

    def __getattr__(self, name):
        return getattr(self._function, name)


class HandoffWatch:
    """What `watch_handoffs` yields: the counts, and whether the code stalled."""

    def __init__(self, want: int):
        self.want = want
        self.handed_over = 0
        self.stalled = False

    @property
    def all_handed_over(self) -> bool:
        return self.handed_over >= self.want

    def arrival_patience(self, idle: float) -> float:
        """How long a test waits for the next call to arrive: its own `idle`, or HOLD_LIMIT
        once all `want` calls are handed over (the rest are Ray's to start, not the code's
        to send: see the module docstring)."""
        return max(idle, HOLD_LIMIT) if self.all_handed_over else idle

    async def _watch(
        self, arrivals: Callable[[], Awaitable[int]], on_stall, hold: Callable[[], Awaitable]
    ) -> None:
        quiet_since = last_turn = time.monotonic()
        seen: tuple[int, int] | None = None
        all_handed_at: float | None = None  # when the last of the `want` calls was handed over
        held_at = -HOLD_EVERY
        while True:
            await asyncio.sleep(TICK)
            arrived = await arrivals()
            now = time.monotonic()
            if self.all_handed_over and self.want > arrived:
                all_handed_at = all_handed_at or now
                if now - all_handed_at <= HOLD_LIMIT and now - held_at >= HOLD_EVERY:
                    held_at = now
                    if await _a_cpu_is_free():
                        await hold()
            state = (self.handed_over, arrived)
            loop_was_free = now - last_turn <= MAX_TICK_GAP
            last_turn = now
            waiting_on_its_own = 0 < self.handed_over == arrived < self.want
            if not (waiting_on_its_own and loop_was_free and state == seen):
                quiet_since, seen = now, state
                continue
            if now - quiet_since >= QUIET:
                self.stalled = True
                if on_stall is not None:
                    await on_stall()
                return


@contextlib.asynccontextmanager
async def watch_handoffs(module, function: str, probe, want: int, *, break_barrier: bool = True):
    """Count the code under test's `module.<function>.remote()` calls while the block runs,
    and notice when it stalls with fewer than `want` started (see the module docstring);
    with `break_barrier`, the probe's barrier is then broken at once.

    Examples:
        >>> async with watch_handoffs(kata, "lookup", probe, want=8) as watch:
        ...     await kata.lookup_all(service, items)
        >>> watch.stalled   # True: it started one call at a time
    """
    watch = HandoffWatch(want)
    original = getattr(module, function)
    setattr(module, function, _CountedRemoteFunction(original, watch))

    async def arrivals() -> int:
        return len((await probe.areport()).calls)

    on_stall = probe.break_barrier if break_barrier else None
    watcher = asyncio.ensure_future(watch._watch(arrivals, on_stall, probe.hold_barrier))
    try:
        yield watch
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        setattr(module, function, original)
