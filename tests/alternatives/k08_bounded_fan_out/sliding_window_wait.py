"""Alternative: a sliding window with asyncio.wait(FIRST_COMPLETED). Refs are wrapped with
asyncio.ensure_future (asyncio.wait refuses raw ObjectRefs); each finished slot is refilled
at once, and each future remembers its item's index so the results stay in items order."""

import asyncio
import itertools

from solutions.k08_bounded_fan_out.kata import *  # the solution, but for process_bounded


class Window:
    """The calls in flight, each with the index of its item, and the results so far."""

    def __init__(self, service, items):
        self.service = service
        self.upcoming = iter(enumerate(items))
        self.in_flight = {}  # future of a call in flight -> the index of its item
        self.results = [None] * len(items)

    def start(self, count: int) -> None:
        """Start the next `count` items (fewer when the items run out)."""
        for index, item in itertools.islice(self.upcoming, count):
            self.in_flight[asyncio.ensure_future(work.remote(self.service, item))] = index

    async def collect(self) -> int:
        """Wait until at least one call finishes; keep the result of every call that did, and
        return how many they were."""
        done, _ = await asyncio.wait(self.in_flight, return_when=asyncio.FIRST_COMPLETED)
        for future in done:
            self.results[self.in_flight.pop(future)] = future.result()
        return len(done)


async def process_bounded(service, items, limit: int) -> list:
    window = Window(service, items)
    window.start(limit)
    while window.in_flight:
        finished = await window.collect()
        window.start(finished)  # one new item for each call that finished
    return window.results
