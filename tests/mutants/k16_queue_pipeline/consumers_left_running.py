"""Mutant: the consumers are fire-and-forget tasks that are never told to stop. run_pipeline
returns as soon as it has a delivery for every item (and shuts the queue down), leaving the
consumers running: they end only because their next get fails."""

import asyncio

from solutions.k16_queue_pipeline.kata import *  # the solution, but consumers never stopped

BREAKS = "consumers-stop-before-run-pipeline-returns"
SAYS = ("STOP marker per consumer",)


async def run_pipeline(source, sink, producers, consumers, maxsize, poll):
    queue = Queue(maxsize=maxsize)
    deliveries = []
    expected = sum(len(items) for items in producers.values())
    try:
        # The mistake: started, never told to stop, never awaited.
        started = [
            asyncio.ensure_future(consume(queue, sink, c, poll, deliveries))
            for c in range(consumers)
        ]
        await asyncio.gather(*(produce(queue, source, p, items) for p, items in producers.items()))
        while len(deliveries) < expected:
            await asyncio.sleep(0.01)
        del started  # ... and forgotten
        return deliveries
    finally:
        queue.shutdown(force=True)
