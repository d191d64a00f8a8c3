"""Alternative: no coordinator. Each producer ends its stream with one END marker per
consumer; a consumer stops once it has seen as many END markers as there are producers.
FIFO order puts every item before its producer's markers, and the markers add up to exactly
one full set per consumer, so no consumer stops while items are left."""

import asyncio
from dataclasses import dataclass

from ray.util.queue import Empty, Queue


@dataclass(frozen=True)
class Delivery:
    consumer: int
    producer: str
    seq: int
    result: str


END = "end of stream"


async def run_pipeline(
    source, sink, producers: dict[str, list], consumers: int, maxsize: int, poll: float
) -> list[Delivery]:
    queue = Queue(maxsize=maxsize)

    async def produce(producer: str, items: list) -> None:
        for seq, item in enumerate(items):
            await queue.put_async((producer, seq, await source.acall(item)))
        for _ in range(consumers):
            await queue.put_async(END)

    async def consume(consumer: int) -> list[Delivery]:
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

    try:
        per_consumer = await asyncio.gather(
            *(consume(c) for c in range(consumers)),
            *(produce(p, items) for p, items in producers.items()),
        )
    finally:
        queue.shutdown(force=True)
    return [d for handled in per_consumer[:consumers] for d in handled]
