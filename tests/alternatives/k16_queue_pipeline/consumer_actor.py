"""Alternative: the consumers live in an async actor (one actor, one concurrent `consume`
call per consumer), the producers in the driver. The queue handle is picklable, so it is
simply passed to the actor; after the producers finish, the driver puts one STOP per
consumer and awaits the consumers' refs."""

import asyncio
from dataclasses import dataclass

import ray
from ray.util.queue import Empty, Queue


@dataclass(frozen=True)
class Delivery:
    consumer: int
    producer: str
    seq: int
    result: str


STOP = "stop"


@ray.remote(num_cpus=0)
class Consumers:
    async def consume(self, queue, sink, consumer: int, poll: float) -> list[Delivery]:
        handled = []
        while True:
            try:
                entry = await queue.get_async(timeout=poll)
            except Empty:
                continue
            if entry == STOP:
                return handled
            producer, seq, record = entry
            handled.append(Delivery(consumer, producer, seq, await sink.acall(record)))


async def run_pipeline(
    source, sink, producers: dict[str, list], consumers: int, maxsize: int, poll: float
) -> list[Delivery]:
    queue = Queue(maxsize=maxsize)
    actor = Consumers.remote()

    async def produce(producer: str, items: list) -> None:
        for seq, item in enumerate(items):
            await queue.put_async((producer, seq, await source.acall(item)))

    try:
        refs = [actor.consume.remote(queue, sink, c, poll) for c in range(consumers)]
        await asyncio.gather(*(produce(p, items) for p, items in producers.items()))
        for _ in range(consumers):
            await queue.put_async(STOP)
        per_consumer = await asyncio.gather(*refs)
    finally:
        ray.kill(actor)
        queue.shutdown(force=True)
    return [d for handled in per_consumer for d in handled]
