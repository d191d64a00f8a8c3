"""Alternative: the consumers live in an async actor (one actor, one concurrent `consume`
call per consumer), the producers in the driver. The queue handle is picklable, so it is
simply passed to the actor; after the producers finish, the driver puts one STOP per
consumer and awaits the consumers' refs."""

import asyncio

import ray

from solutions.k16_queue_pipeline.kata import *  # the solution, but consumers in an actor
from tests.alternatives.k16_queue_pipeline import rebound


@ray.remote(num_cpus=0)
class Consumers:
    async def consume(self, queue, sink, consumer: int, poll: float) -> list:
        handled = []
        while True:
            try:
                entry = await queue.get_async(timeout=poll)
            except Empty:
                continue
            if entry is STOP:
                return handled
            producer, seq, record = entry
            handled.append(Delivery(consumer, producer, seq, await sink.acall(record)))


async def pipe(queue, source, sink, producers, consumers, poll):
    actor = Consumers.remote()
    try:
        refs = [actor.consume.remote(queue, sink, c, poll) for c in range(consumers)]
        await asyncio.gather(*(produce(queue, source, p, items) for p, items in producers.items()))
        for _ in range(consumers):
            await queue.put_async(STOP)
        per_consumer = await asyncio.gather(*refs)
    finally:
        ray.kill(actor)
    return [d for handled in per_consumer for d in handled]


# The solution's run_pipeline, calling this module's pipe.
(run_pipeline,) = rebound(globals(), "run_pipeline")
