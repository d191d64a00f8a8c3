"""Kata 16 · Queue pipeline: reference solution."""

import asyncio

from ray.util.queue import Empty, Queue

from katas.k16_queue_pipeline.kata import Delivery

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
    try:
        return await pipe(queue, source, sink, producers, consumers, poll)
    finally:
        queue.shutdown(force=True)  # the queue is an actor: it lives until it is shut down


async def pipe(queue, source, sink, producers: dict[str, list], consumers: int, poll: float):
    """Run the producers and the consumers over `queue` until every consumer has stopped."""
    deliveries: list[Delivery] = []
    # The TaskGroup waits for every consumer before it exits (and cancels them all if
    # anything fails), so no consumer is left running when we return.
    async with asyncio.TaskGroup() as group:
        for consumer in range(consumers):
            group.create_task(consume(queue, sink, consumer, poll, deliveries))
        await asyncio.gather(*(produce(queue, source, p, items) for p, items in producers.items()))
        for _ in range(consumers):
            await queue.put_async(STOP)
    return deliveries


async def produce(queue, source, producer: str, items: list) -> None:
    for seq, item in enumerate(items):
        record = await source.acall(item)
        # Awaited: while the queue is full, this producer waits here.
        await queue.put_async((producer, seq, record))


async def consume(queue, sink, consumer: int, poll: float, deliveries: list) -> None:
    while (entry := await next_entry(queue, poll)) is not STOP:
        producer, seq, record = entry
        result = await sink.acall(record)
        deliveries.append(Delivery(consumer, producer, seq, result))


async def next_entry(queue, poll: float):
    """The next entry on the queue, however long it takes to come."""
    while True:
        try:
            # The timeout is handled INSIDE the queue actor: when it fires, the get is
            # withdrawn there and no item can be taken by it afterwards.
            # asyncio.wait_for(queue.get_async(), poll) would only stop our await; the get
            # would stay pending in the actor and swallow the next item.
            return await queue.get_async(timeout=poll)
        except Empty:
            continue  # idle: a real consumer would check for shutdown or send a heartbeat
