"""Ray's pulse: how promptly actors answer a call that does nothing, watched from a thread.

A test that judges "nothing moved for N seconds" (a stalled pipeline) must not count time in
which Ray itself could not move. On a loaded machine (the self-check's three shards: a load
average of 40-50 on two cores) an actor call can wait seconds for its processes to be
scheduled, and a correct pipeline then looks stalled (kata 16's right answers failed so in
CI). A thread of its own, so that an event loop held by the code under test does not slow it,
sends a call that does nothing every EVERY seconds and notes how long each answer took: the
seconds an answer was overdue (later than PROMPT) are the machine's, not the code's. While the
answers come promptly, stillness is evidence.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import ray

EVERY = 0.2
# An actor call that does nothing takes a few milliseconds on an idle machine, and rarely
# 100 ms on a busy one: past this, the machine is too busy to judge stillness by.
PROMPT = 0.5
# A ping never answered (its actor gone) stops counting as overdue after this long.
GIVE_UP = 30.0


class Pulse:
    """Pings (the refs `ping()` returns, all awaited together) every EVERY seconds while
    the block runs, from a thread. `overdue_between(start, end)`: the seconds in that span
    during which a ping had been waiting longer than PROMPT.

    Examples:
        >>> with Pulse(lambda: [probe.ping()]) as pulse:
        ...     ...
        ...     quiet = still_for - pulse.overdue_between(since, time.monotonic())
    """

    def __init__(self, ping: Callable[[], list[ray.ObjectRef]], every: float = EVERY):
        self._ping, self._every = ping, every
        # (sent, answered) of each ping; answered is None while it is waited for.
        self._pings: list[list[float | None]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Pulse:
        self._thread = threading.Thread(target=self._beat, daemon=True, name="ray-pulse")
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=GIVE_UP)

    def stop_soon(self) -> None:
        """Stop pinging without waiting for the ping in flight (the thread is a daemon)."""
        self._stop.set()

    def _beat(self) -> None:
        while not self._stop.wait(self._every):
            entry: list[float | None] = [time.monotonic(), None]
            self._pings.append(entry)
            try:
                refs = self._ping()
                ray.wait(refs, num_returns=len(refs), timeout=GIVE_UP)
            except Exception:
                pass  # an actor gone: its ping tells nothing more about the machine
            entry[1] = time.monotonic()

    def overdue_between(self, start: float, end: float) -> float:
        """Seconds within [start, end] in which a ping had waited longer than PROMPT. The
        pings go one after another, so their overdue spans never overlap."""
        now = time.monotonic()
        total = 0.0
        for sent, answered in list(self._pings):
            overdue_from = sent + PROMPT
            overdue_to = min(answered if answered is not None else now, sent + GIVE_UP)
            total += max(0.0, min(overdue_to, end) - max(overdue_from, start))
        return total
