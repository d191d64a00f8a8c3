"""Mutant: a sliding window that starts ONE new item each time asyncio.wait returns, however
many calls it reports done. When several finish at once, only one slot is refilled; the
others stay idle for the rest of the run, and the window shrinks."""

from solutions.k08_bounded_fan_out.kata import *  # the solution, but for process_bounded
from tests.alternatives.k08_bounded_fan_out.sliding_window_wait import Window

BREAKS = "fills-every-slot"
SAYS = ("one new item per wake-up",)


# The alternative sliding_window_wait, but for its refill.
async def process_bounded(service, items, limit: int) -> list:
    window = Window(service, items)
    window.start(limit)
    while window.in_flight:
        await window.collect()
        window.start(1)  # the mistake: one new item per wake-up, not one per finished call
    return window.results
