"""Mutant: an unbounded queue. `Queue()` (maxsize 0) never makes put_async wait, so while
the consumers are slow the producers run ahead and the backlog grows without limit."""

from solutions.k16_queue_pipeline.kata import *  # the solution, but Queue()

BREAKS = "producers-wait-while-the-queue-is-full"
SAYS = ("unbounded queue",)


async def run_pipeline(source, sink, producers, consumers, maxsize, poll):
    queue = Queue()  # the mistake: unbounded, so put_async never waits
    try:
        return await pipe(queue, source, sink, producers, consumers, poll)
    finally:
        queue.shutdown(force=True)
