"""Mutant: the queue is bounded, but the producer starts each put_async as a task and goes
on without awaiting it: the puts wait in the queue actor, the producer does not, and it
keeps making items while the consumers are stuck."""

import asyncio

from solutions.k16_queue_pipeline.kata import *  # the solution, but puts not awaited
from tests.mutants.k16_queue_pipeline import rebound

BREAKS = "producers-wait-while-the-queue-is-full"
SAYS = ("do not wait for their put", "create_task")


async def produce(queue, source, producer, items):
    puts = []
    for seq, item in enumerate(items):
        record = await source.acall(item)
        puts.append(asyncio.create_task(queue.put_async((producer, seq, record))))
        await asyncio.sleep(0)  # (so each put is sent before the next one)
    await asyncio.gather(*puts)  # the mistake: the producer waited for none of them


# The solution's functions, calling this module's produce.
pipe, run_pipeline = rebound(globals(), "pipe", "run_pipeline")
