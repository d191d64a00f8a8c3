"""Mutant: `ray.get` inside a coroutine. Right answer, but the event loop freezes while it
waits, so nothing else in the program can run."""

import time

import ray

REJECTED_BY = "test_event_loop_keeps_ticking_while_waiting"


@ray.remote(num_cpus=0)
def fetch_greeting(name: str, delay: float) -> str:
    time.sleep(delay)
    return f"Hello, {name}!"


async def greet(name: str, delay: float = 1.0) -> str:
    return ray.get(fetch_greeting.remote(name, delay))
