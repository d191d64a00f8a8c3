"""Mutant: the driver side is right (start all, then gather) but the task keeps the default
`@ray.remote`, which reserves 1 CPU per task. On a 2-CPU cluster Ray runs 2 downloads at a
time and queues the rest, although they only wait on IO."""

import asyncio

import ray

from solutions.k03_io_tasks_no_cpus.kata import *  # the solution, but for download_all

BREAKS = "reserves-no-cpu"
SAYS = ("reserved 1 CPU", "num_cpus=0")


@ray.remote
def _download(service, page):
    return service.call(page)


async def download_all(service, pages) -> list:
    return await asyncio.gather(*[_download.remote(service, page) for page in pages])
