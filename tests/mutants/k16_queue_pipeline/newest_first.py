"""Mutant: each consumer records its deliveries newest first (insert at the front): every
item arrives once, but the returned list no longer shows the order they were handled in."""

from solutions.k16_queue_pipeline.kata import *  # the solution, but newest first
from tests.mutants.k16_queue_pipeline import rebound

BREAKS = "producer-order-kept"
SAYS = ("order each consumer handled them",)


async def consume(queue, sink, consumer, poll, deliveries):
    while (entry := await next_entry(queue, poll)) is not STOP:
        producer, seq, record = entry
        result = await sink.acall(record)
        deliveries.insert(0, Delivery(consumer, producer, seq, result))  # the mistake


# The solution's functions, calling this module's consume.
pipe, run_pipeline = rebound(globals(), "pipe", "run_pipeline")
