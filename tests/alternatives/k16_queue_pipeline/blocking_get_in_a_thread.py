"""Alternative: the consumers wait with the queue's blocking get, but in a worker thread
(asyncio.to_thread), never on the event loop's thread: the loop stays free, and the timeout
still runs inside the queue actor, so a get that times out takes nothing. It holds one thread
of the loop's default pool per waiting consumer, where get_async holds none."""

import asyncio

from solutions.k16_queue_pipeline.kata import *  # the solution, but for next_entry
from tests.alternatives.k16_queue_pipeline import rebound


async def next_entry(queue, poll: float):
    while True:
        try:
            return await asyncio.to_thread(queue.get, True, poll)
        except Empty:
            continue


# The solution's functions, calling this module's next_entry.
consume, pipe, run_pipeline = rebound(globals(), "consume", "pipe", "run_pipeline")
