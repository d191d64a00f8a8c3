"""Mutant: `ray.wait(..., timeout=...)` in a loop, believing the timeout keeps it
responsive. Each round blocks the event loop's thread, and the loop never awaits in between."""

import asyncio

import ray

from solutions.k03_io_tasks_no_cpus.kata import *  # the solution, but for download_all

BREAKS = "loop-keeps-running"
SAYS = ("ray.wait",)


async def download_all(service, pages) -> list:
    refs = [download.remote(service, page) for page in pages]
    pending = refs
    while pending:
        _, pending = ray.wait(pending, num_returns=len(pending), timeout=0.5)
    return await asyncio.gather(*refs)
