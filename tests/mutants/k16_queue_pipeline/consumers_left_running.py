"""Mutant: the consumers are fire-and-forget tasks that never stop. run_pipeline returns as
soon as it has a delivery for every item, leaving the consumers polling the queue forever."""

import asyncio
from dataclasses import dataclass

from ray.util.queue import Empty, Queue

REJECTED_BY = "test_consumers_stop_when_the_producers_are_done"


@dataclass(frozen=True)
class Delivery:
    consumer: int
    producer: str
    seq: int
    result: str


async def run_pipeline(
    source, sink, producers: dict[str, list], consumers: int, maxsize: int, poll: float
) -> list[Delivery]:
    queue = Queue(maxsize=maxsize)
    deliveries: list[Delivery] = []
    expected = sum(len(items) for items in producers.values())

    async def produce(producer: str, items: list) -> None:
        for seq, item in enumerate(items):
            record = await source.acall(item)
            await queue.put_async((producer, seq, record))

    async def consume(consumer: int) -> None:
        while True:  # the mistake: nothing ever tells a consumer to stop
            try:
                producer, seq, record = await queue.get_async(timeout=poll)
            except Empty:
                continue
            result = await sink.acall(record)
            deliveries.append(Delivery(consumer, producer, seq, result))

    started = [asyncio.create_task(consume(c)) for c in range(consumers)]  # never awaited
    await asyncio.gather(*(produce(p, items) for p, items in producers.items()))
    while len(deliveries) < expected:
        await asyncio.sleep(0.01)
    del started  # ... and forgotten
    return deliveries
