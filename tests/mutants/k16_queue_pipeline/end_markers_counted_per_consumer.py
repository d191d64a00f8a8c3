"""Mutant: no coordinator. Each producer ends its stream with one END marker per consumer; a
consumer stops once it has seen as many END markers as there are producers. No item is
lost (each producer's items come before its markers), but nothing says WHOSE markers a
consumer takes: while one consumer is busy, the other can take both markers of a fast
producer and stop while another producer still works, leaving that producer's items to the
busy one."""

import asyncio

from solutions.k16_queue_pipeline.kata import *  # the solution, but end markers
from tests.mutants.k16_queue_pipeline import rebound

BREAKS = "consumers-wait-for-every-producer"
SAYS = ("end marker", "once EVERY producer is done")

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
