"""Alternative: no separate coordinator step. Each producer, when it is done, counts itself
out; the LAST one to finish puts one STOP per consumer, so the STOPs still come only once
every producer is done. Consumers and producers are plain tasks under one gather (no
TaskGroup): if a source or sink call raised, the other tasks would run on, a case the
README leaves open (the tests' services never fail)."""

import asyncio

from solutions.k16_queue_pipeline.kata import *  # the solution, but the last producer stops
from tests.alternatives.k16_queue_pipeline import rebound


async def pipe(queue, source, sink, producers, consumers, poll):
    deliveries = []
    working = len(producers)

    async def put_the_stops():
        for _ in range(consumers):
            await queue.put_async(STOP)

    async def produce_then_count_out(producer, items):
        nonlocal working
        await produce(queue, source, producer, items)
        working -= 1
        if working == 0:
            await put_the_stops()

    await asyncio.gather(
        *(consume(queue, sink, c, poll, deliveries) for c in range(consumers)),
        *(produce_then_count_out(p, items) for p, items in producers.items()),
        *([put_the_stops()] if not producers else []),
    )
    return deliveries


# The solution's run_pipeline, calling this module's pipe.
(run_pipeline,) = rebound(globals(), "run_pipeline")
