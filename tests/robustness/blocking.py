"""Coroutines that block their event loop, for tests/test_harness.py: the heartbeat must name
the call and the line (this module stands for a learner's code: its name is not test_*)."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import ray


async def sleeps(seconds: float) -> None:
    time.sleep(seconds)  # noqa: ASYNC251  (on purpose)


async def waits_on_a_future(seconds: float) -> None:
    with ThreadPoolExecutor(1) as pool:
        pool.submit(time.sleep, seconds).result()


async def spins_then_sleeps(seconds: float) -> None:
    """One stall: first busy on a line that makes no known blocking call, then in
    time.sleep."""
    end = time.monotonic() + seconds / 2
    while time.monotonic() < end:
        pass
    time.sleep(seconds / 2)  # noqa: ASYNC251  (on purpose)


def _busy(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


async def spins(seconds: float) -> None:
    """Busy on a line that makes no known blocking call (a long computation)."""
    _busy(seconds)


class _SlowToStart(threading.Thread):
    """A thread whose start() returns only after `delay` s: a thread start on a busy machine."""

    def __init__(self, delay: float):
        super().__init__(target=lambda: None, daemon=True)
        self.delay = delay

    def _bootstrap_inner(self):
        time.sleep(self.delay)  # start() waits on a threading Event until this is over
        super()._bootstrap_inner()


async def starts_a_slow_thread(seconds: float) -> None:
    _SlowToStart(seconds).start()  # as an executor starting its thread (asyncio.to_thread)


async def makes_a_queue(busy_first: float = 0.0) -> object:
    """Creates a ray.util.queue.Queue on the loop, as every answer to kata 16 does: Ray
    creates the queue's actor before the constructor returns. Busy for `busy_first` s first,
    in the same stall of the loop (a freeze of the learner's own beside Ray's)."""
    from ray.util.queue import Queue

    _busy(busy_first)
    return Queue(maxsize=1)


async def polls_ray_wait(refs: list) -> None:
    """Polls with ray.wait(timeout=0) between asyncio.sleep calls: each poll holds the loop
    only for a moment, and still breaks the rule."""
    import asyncio

    import ray

    pending = list(refs)
    while pending:
        _, pending = ray.wait(pending, num_returns=len(pending), timeout=0)
        await asyncio.sleep(0.02)


async def gets_in_a_thread(refs: list) -> list:
    """ray.get in a worker thread: the loop stays free."""
    import asyncio

    import ray

    return await asyncio.to_thread(ray.get, refs)


@ray.remote(num_cpus=0)
class LoopWaiter:
    """An async actor (standing for a learner's) that waits for a ref in three ways."""

    async def gets_on_its_loop(self, ref_holder: list):
        return ray.get(ref_holder[0], timeout=5)

    async def gets_in_a_thread(self, ref_holder: list):
        import asyncio

        return await asyncio.to_thread(ray.get, ref_holder[0])

    async def awaits(self, ref_holder: list):
        return await ref_holder[0]
