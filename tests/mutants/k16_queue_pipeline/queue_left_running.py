"""Mutant: never shuts the queue down. Every call leaves a queue actor behind, alive (and
holding a worker process) until the Ray session ends."""

from solutions.k16_queue_pipeline.kata import *  # the solution, but no shutdown

BREAKS = "the-queue-is-shut-down"
SAYS = ("queue.shutdown(force=True)",)


async def run_pipeline(source, sink, producers, consumers, maxsize, poll):
    return await pipe(Queue(maxsize=maxsize), source, sink, producers, consumers, poll)
