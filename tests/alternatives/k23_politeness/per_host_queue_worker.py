"""Alternative: one worker per host. The URLs are dealt out to one asyncio.Queue per
origin, and one worker coroutine per origin fetches its queue in order, waiting for each
slot first: one at a time per host by construction, no lock needed. The scheduler remembers
the last start instead of the next free slot."""

import asyncio

from solutions.k23_politeness.kata import *  # Fetch, origin_of, FetchResult
from tests.alternatives.k23_politeness.lock_and_last_start import HostScheduler as LastStarts


class HostScheduler(LastStarts):
    """lock_and_last_start's map of last starts, with an origin never seen read as "no
    start yet" instead of a made-up start one delay ago."""

    def reserve(self, origin: str) -> float:
        now = self.clock()
        last = self._last_start.get(origin)
        wait = 0.0 if last is None else max(0.0, last + self.delay - now)
        self._last_start[origin] = now + wait
        return wait


async def polite_fetch_all(urls: list[str], fetch: Fetch, delay: float) -> list[FetchResult]:
    scheduler = HostScheduler(delay)
    results: list[FetchResult | None] = [None] * len(urls)
    queues: dict[str, asyncio.Queue[tuple[int, str]]] = {}
    for index, url in enumerate(urls):
        queues.setdefault(origin_of(url), asyncio.Queue()).put_nowait((index, url))

    async def worker(origin: str, queue: asyncio.Queue[tuple[int, str]]) -> None:
        while not queue.empty():
            index, url = queue.get_nowait()
            await asyncio.sleep(scheduler.reserve(origin))
            results[index] = await fetch(url)

    async with asyncio.TaskGroup() as group:
        for origin, queue in queues.items():
            group.create_task(worker(origin, queue))
    return results
