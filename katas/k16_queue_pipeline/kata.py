"""Kata 16 · Queue pipeline. The instructions are in README.md next to this file."""

import asyncio  # noqa: F401 - you will need it
from dataclasses import dataclass

from ray.util.queue import Empty, Queue  # noqa: F401 - you will need them

from dojo import todo


@dataclass(frozen=True)
class Delivery:
    """One item, handled by one consumer. (Given: keep it.)"""

    consumer: int  # which consumer handled it: 0 .. consumers - 1
    producer: str  # which producer made it (its key in `producers`)
    seq: int  # its position in that producer's list
    result: str  # what sink.acall(record) returned for it


async def run_pipeline(
    source, sink, producers: dict[str, list], consumers: int, maxsize: int, poll: float
) -> list[Delivery]:
    """Run one producer per entry of `producers` and `consumers` consumers, connected by a
    ray.util.queue.Queue of `maxsize`. Return one Delivery per item.

    Producer p, for each item of producers[p] in order: record = await source.acall(item),
    then put (p, seq, record) on the queue. Consumer c: take entries off the queue, waiting
    at most `poll` seconds per get; for each: result = await sink.acall(record), then record
    Delivery(c, p, seq, result). Every consumer stops once every producer is done."""
    # TODO: create the Queue with maxsize (backpressure), start the producers and the
    # consumers together, get with a timeout that cannot lose an item, tell the consumers
    # when the producers are done, and wait for all of them before returning.
    todo("connect producers and consumers with a bounded ray.util.queue.Queue")
