"""Mutant: polls `ray.wait(..., timeout=0)` and sleeps the asyncio way between polls. No poll
freezes the loop for long, so only the count of ray.wait calls made on the loop's thread shows
that the rule ("no ray.wait, even with a timeout") is broken."""

import asyncio

import ray

from solutions.k03_io_tasks_no_cpus.kata import *  # the solution, but for download_all

BREAKS = "loop-keeps-running"
SAYS = ("called ray.wait",)


async def download_all(service, pages) -> list:
    refs = [download.remote(service, page) for page in pages]
    unfinished = refs
    while unfinished:
        _, unfinished = ray.wait(unfinished, num_returns=len(unfinished), timeout=0)
        await asyncio.sleep(0.01)
    return await asyncio.gather(*refs)
