"""First attempts that crash, one function per known crash pattern (dojo/harness/crash.py).

tests/test_crash_lessons.py runs each one for real and checks the lesson the learner gets.
"""

import asyncio
import threading

import ray


@ray.remote(num_cpus=0)
def echo(value):
    return value


@ray.remote(num_cpus=0)
class Helper:
    def answer(self):
        async def later():
            return 42

        return later()  # a plain def returning a coroutine


async def gather_without_star():
    refs = [echo.remote(i) for i in range(2)]
    return await asyncio.gather(refs)


async def asyncio_wait_on_raw_refs():
    refs = [echo.remote(i) for i in range(2)]
    return await asyncio.wait(refs, return_when=asyncio.FIRST_COMPLETED)


async def create_task_on_a_ref():
    return await asyncio.create_task(echo.remote(1))


async def awaiting_a_list():
    return await [echo.remote(1)]


async def coroutine_returned_from_ray():
    return await Helper.remote().answer.remote()


async def unpicklable_value():
    return await echo.remote(threading.Lock())


async def remote_called_directly():
    return echo(1)


async def ref_used_as_its_value():
    return echo.remote([1, 2])[0]


async def ray_get_of_a_coroutine():
    pending = asyncio.sleep(0)
    try:
        return ray.get(pending)
    finally:
        pending.close()  # the test suite treats "never awaited" as an error of its own


async def asyncio_run_inside_a_loop():
    pending = asyncio.sleep(0)
    try:
        return asyncio.run(pending)
    finally:
        pending.close()


async def async_remote_function():
    async def fetch():
        return 1

    return ray.remote(fetch)


@ray.remote(num_cpus=0, max_concurrency=2)
class ReplyBuffer:
    """A threaded actor that keeps each call's reply on itself, to read it back."""

    def __init__(self):
        self.replies = []

    def take(self):
        return self.replies.pop(0)  # another call took it (here: nobody put one)


async def actor_state_changed_meanwhile():
    buffer = ReplyBuffer.remote()
    try:
        return await buffer.take.remote()
    finally:
        ray.kill(buffer)


async def plain_bug():
    return {}["missing"]
