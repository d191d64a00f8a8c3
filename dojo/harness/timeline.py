"""A small text picture of what ran when, for failure messages (fits 80 columns)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

LABEL_WIDTH = 12
BAR_WIDTH = 54
MAX_ROWS = 16


@dataclass(frozen=True)
class Interval:
    label: str
    start: float
    end: float | None  # None: still running when the picture was taken
    outcome: str = "ok"


def peak_in_flight(intervals: Sequence[Interval]) -> tuple[int, float]:
    """Largest number of overlapping intervals, and the first moment it was reached.

    A call still running (end None) overlaps every call that starts after it."""
    events = []
    for i in intervals:
        events.append((i.start, 1))
        events.append((i.end if i.end is not None else float("inf"), -1))
    # At equal times process ends first: touching intervals do not overlap.
    events.sort(key=lambda e: (e[0], e[1]))
    peak, at, current = 0, min((i.start for i in intervals), default=0.0), 0
    for when, delta in events:
        current += delta
        if current > peak:
            peak, at = current, when
    return peak, at


def render(
    intervals: Sequence[Interval], title: str = "what ran when", now: float | None = None
) -> str:
    """The calls as bars on one time axis; calls still running are drawn up to `now` (the
    recording's clock when it was read), so a picture of calls that never ended has a span."""
    if not intervals:
        return f"{title}: nothing ran (no call reached the probe)"
    t0 = min(i.start for i in intervals)
    t1 = max((i.end if i.end is not None else i.start) for i in intervals)
    if now is not None and any(i.end is None for i in intervals):
        t1 = max(t1, now)
    span = max(t1 - t0, 1e-6)
    peak, peak_at = peak_in_flight(intervals)

    def col(t: float) -> int:
        return min(BAR_WIDTH - 1, int((t - t0) / span * BAR_WIDTH))

    lines = [f"{title}: one row per call, 0 s … {span:.2f} s, █ running"]
    shown = sorted(intervals, key=lambda i: i.start)
    hidden = len(shown) - MAX_ROWS
    if hidden > 0:
        shown = shown[:MAX_ROWS]
    for i in shown:
        a = col(i.start)
        b = col(i.end) if i.end is not None else BAR_WIDTH - 1
        bar = " " * a + "█" * max(1, b - a + 1)
        outcome = i.outcome if i.end is not None else "running"
        lines.append(f"{i.label[:LABEL_WIDTH]:<{LABEL_WIDTH}}│{bar:<{BAR_WIDTH}}│ {outcome[:9]}")
    if hidden > 0:
        lines.append(f"{'':<{LABEL_WIDTH}} … {hidden} more calls not shown")
    marker = " " * col(peak_at) + "▲"
    lines.append(f"{'':<{LABEL_WIDTH}}└{'─' * BAR_WIDTH}┘")
    lines.append(f"{'':<{LABEL_WIDTH}} {marker}")
    lines.append(f"{'':<{LABEL_WIDTH}} peak: {peak} in flight at once, at {peak_at - t0:.2f} s")
    return "\n".join(lines)
