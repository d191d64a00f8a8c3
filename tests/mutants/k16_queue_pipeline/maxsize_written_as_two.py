"""Mutant: a bounded queue, but with the maxsize the tests used to give written in (2) instead
of the `maxsize` argument. (The parameter audit: every test gave maxsize=2.)"""

from solutions.k16_queue_pipeline.kata import *  # the solution, but Queue(maxsize=2)

BREAKS = "producers-wait-while-the-queue-is-full"
SAYS = ("written as a number",)


async def run_pipeline(source, sink, producers, consumers, maxsize, poll):
    queue = Queue(maxsize=2)  # the mistake: not the argument
    try:
        return await pipe(queue, source, sink, producers, consumers, poll)
    finally:
        queue.shutdown(force=True)
