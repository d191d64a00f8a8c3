"""Mutant: the consumer's timed get is `asyncio.wait_for(queue.get_async(), poll)`. When it
times out, only the local await is cancelled: the get stays pending inside the queue actor
and swallows the next item put on the queue, so every timeout loses an item."""

import asyncio
from dataclasses import dataclass

from ray.util.queue import Queue

REJECTED_BY = "test_no_item_is_lost_when_a_poll_times_out"


@dataclass(frozen=True)
class Delivery:
    """One item, handled by one consumer. (Given: keep it.)"""

    consumer: int  # which consumer handled it: 0 .. consumers - 1
    producer: str  # which producer made it (its key in `producers`)
    seq: int  # its position in that producer's list
    result: str  # what sink.acall(record) returned for it


# The end-of-work marker: after every producer is done, one STOP per consumer goes on the
# queue. FIFO order puts it behind every real item, so a consumer that sees it is done.
STOP = None


async def run_pipeline(
    source, sink, producers: dict[str, list], consumers: int, maxsize: int, poll: float
) -> list[Delivery]:
    """Run one producer per entry of `producers` and `consumers` consumers, connected by a
    ray.util.queue.Queue of `maxsize`. Return one Delivery per item."""
    # maxsize is the backpressure: put_async waits while the queue is full, so a fast
    # producer can never run further ahead of the consumers than the queue allows.
    queue = Queue(maxsize=maxsize)
    deliveries: list[Delivery] = []

    async def produce(producer: str, items: list) -> None:
        for seq, item in enumerate(items):
            record = await source.acall(item)
            await queue.put_async((producer, seq, record))

    async def consume(consumer: int) -> None:
        while True:
            try:
                # The mistake: the timeout cancels only this await. The get stays pending in
                # the queue actor and takes the next item, which nobody reads.
                entry = await asyncio.wait_for(queue.get_async(), poll)
            except TimeoutError:
                continue  # idle: a real consumer would check for shutdown or send a heartbeat
            if entry is STOP:
                return
            producer, seq, record = entry
            result = await sink.acall(record)
            deliveries.append(Delivery(consumer, producer, seq, result))

    try:
        # The TaskGroup waits for every consumer before it exits (and cancels them all if
        # anything fails), so no consumer is left running when we return.
        async with asyncio.TaskGroup() as group:
            for consumer in range(consumers):
                group.create_task(consume(consumer))
            await asyncio.gather(*(produce(p, items) for p, items in producers.items()))
            for _ in range(consumers):
                await queue.put_async(STOP)
    finally:
        queue.shutdown(force=True)
    return deliveries
