"""Kata 03 · IO tasks don't need CPUs: reference solution."""

import asyncio

import ray


# num_cpus=0: a download only waits on IO. With the default (1 CPU per task) a 2-CPU node
# runs 2 downloads at a time and queues the rest, however the driver awaits them.
@ray.remote(num_cpus=0)
def download(service, page):
    """Download one page from a slow service: almost all of its time is spent waiting."""
    return service.call(page)


async def download_all(service, pages) -> list:
    """Download every page at once; return the results in the order of pages."""
    # Start all, then await together: gather keeps the order of pages and never blocks the loop.
    refs = [download.remote(service, page) for page in pages]
    return await asyncio.gather(*refs)
