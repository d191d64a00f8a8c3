"""Mutant: a bounded queue, but bigger than asked for (4 × maxsize): the producers still run
ahead of the consumers further than the pipeline allows."""

from solutions.k16_queue_pipeline.kata import *  # the solution, but Queue(4 * maxsize)

BREAKS = "producers-wait-while-the-queue-is-full"
SAYS = ("larger than asked for",)


async def run_pipeline(source, sink, producers, consumers, maxsize, poll):
    queue = Queue(maxsize=4 * maxsize)  # the mistake: room for more than maxsize
    try:
        return await pipe(queue, source, sink, producers, consumers, poll)
    finally:
        queue.shutdown(force=True)
