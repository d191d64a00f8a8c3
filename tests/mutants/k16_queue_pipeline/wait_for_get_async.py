"""Mutant: the consumer's timed get is `asyncio.wait_for(queue.get_async(), poll)`. When it
times out, only the local await is cancelled: the get stays pending inside the queue actor
and swallows the next item put on the queue, so every timeout loses an item."""

import asyncio

from solutions.k16_queue_pipeline.kata import *  # the solution, but wait_for around get
from tests.mutants.k16_queue_pipeline import rebound

BREAKS = "a-timed-get-loses-nothing"
SAYS = ("get_async(timeout=poll)", "queue itself was empty")


async def next_entry(queue, poll):
    while True:
        try:
            # The mistake: the timeout cancels only this await. The get stays pending in
            # the queue actor and takes the next item, which nobody reads.
            return await asyncio.wait_for(queue.get_async(), poll)
        except TimeoutError:
            continue


# The solution's functions, calling this module's next_entry.
consume, pipe, run_pipeline = rebound(globals(), "consume", "pipe", "run_pipeline")
