"""Mutant: a consumer stops as soon as a timed get finds the queue empty, taking that for
the end of the work: when a producer pauses, every consumer stops, and the rest of the
items stay in the queue (or in a producer blocked on the full queue) for ever."""

from solutions.k16_queue_pipeline.kata import *  # the solution, but stops on Empty
from tests.mutants.k16_queue_pipeline import rebound

BREAKS = "consumers-wait-for-every-producer"
SAYS = ("stopped before every producer was done",)


async def next_entry(queue, poll):
    try:
        return await queue.get_async(timeout=poll)
    except Empty:
        return STOP  # the mistake: an empty queue is not the end of the work


# The solution's functions, calling this module's next_entry.
consume, pipe, run_pipeline = rebound(globals(), "consume", "pipe", "run_pipeline")
