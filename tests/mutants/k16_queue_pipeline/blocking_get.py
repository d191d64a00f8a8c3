"""Mutant: the consumers use the blocking queue.get(timeout=poll). Nothing is lost (the
timeout is inside the queue actor), but each get holds the whole event loop until the
queue answers: the other consumer and the producers stand still meanwhile."""

from solutions.k16_queue_pipeline.kata import *  # the solution, but a blocking get
from tests.mutants.k16_queue_pipeline import rebound

BREAKS = "the-event-loop-never-blocks"
SAYS = ("Queue.get()", "blocking twin")


async def next_entry(queue, poll):
    while True:
        try:
            return queue.get(timeout=poll)  # the mistake: blocks the event loop
        except Empty:
            continue


# The solution's functions, calling this module's next_entry.
consume, pipe, run_pipeline = rebound(globals(), "consume", "pipe", "run_pipeline")
