"""Mutant: the producer puts the item itself on the queue instead of the record the source
made of it: the sink gets the wrong input, every result is wrong."""

from solutions.k16_queue_pipeline.kata import *  # the solution, but the item is put
from tests.mutants.k16_queue_pipeline import rebound

BREAKS = "every-item-once-with-its-result"
SAYS = ("record the source returned",)


async def produce(queue, source, producer, items):
    for seq, item in enumerate(items):
        await source.acall(item)
        await queue.put_async((producer, seq, item))  # the mistake: not the record


# The solution's functions, calling this module's produce.
pipe, run_pipeline = rebound(globals(), "pipe", "run_pipeline")
