"""Mutant: the consumers poll the queue with get_nowait() and yield to the loop between
tries. Every item arrives, but each try is a blocking ray.get on the event loop's thread,
and the loop spends the idle time asking the queue actor instead of waiting."""

import asyncio

from solutions.k16_queue_pipeline.kata import *  # the solution, but busy polling
from tests.mutants.k16_queue_pipeline import rebound

BREAKS = "the-event-loop-never-blocks"
SAYS = ("Queue.get_nowait()", "get_async(timeout=poll)")


async def next_entry(queue, poll):
    while True:
        try:
            return queue.get_nowait()  # the mistake: a blocking call, again and again
        except Empty:
            await asyncio.sleep(0)


# The solution's functions, calling this module's next_entry.
consume, pipe, run_pipeline = rebound(globals(), "consume", "pipe", "run_pipeline")
