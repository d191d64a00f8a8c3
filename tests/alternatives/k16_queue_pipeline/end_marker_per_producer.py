"""Alternative: no coordinator. Each producer ends its stream with one END marker per
consumer; a consumer stops once it has seen as many END markers as there are producers.
FIFO order puts every item before its producer's markers, and the markers add up to exactly
one full set per consumer, so no consumer stops while items are left."""

import asyncio

from solutions.k16_queue_pipeline.kata import *  # the solution, but end markers
from tests.alternatives.k16_queue_pipeline import rebound

END = "end of stream"


async def pipe(queue, source, sink, producers, consumers, poll):
    async def produce_and_end(producer, items):
        await produce(queue, source, producer, items)
        for _ in range(consumers):
            await queue.put_async(END)

    async def consume(consumer):
        handled, ends = [], 0
        while ends < len(producers):
            try:
                entry = await queue.get_async(block=True, timeout=poll)
            except Empty:
                continue
            if entry == END:
                ends += 1
                continue
            producer, seq, record = entry
            handled.append(Delivery(consumer, producer, seq, await sink.acall(record)))
        return handled

    per_consumer = await asyncio.gather(
        *(consume(c) for c in range(consumers)),
        *(produce_and_end(p, items) for p, items in producers.items()),
    )
    return [d for handled in per_consumer[:consumers] for d in handled]


# The solution's run_pipeline, calling this module's pipe.
(run_pipeline,) = rebound(globals(), "run_pipeline")
