"""Mutant: `ray.wait(refs, num_returns=len(refs))` until every download is done, then gather
the ready refs. The ray.wait blocks the event loop's thread for the whole batch."""

import asyncio

import ray

from solutions.k03_io_tasks_no_cpus.kata import *  # the solution, but for download_all

BREAKS = "loop-keeps-running"
SAYS = ("ray.wait",)


async def download_all(service, pages) -> list:
    refs = [download.remote(service, page) for page in pages]
    ray.wait(refs, num_returns=len(refs))
    return await asyncio.gather(*refs)
