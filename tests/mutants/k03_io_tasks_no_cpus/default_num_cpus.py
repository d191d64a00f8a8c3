"""Mutant: the driver side is right (start all, then gather) but the task keeps the default
`@ray.remote`, which reserves 1 CPU per task. On a 2-CPU cluster Ray runs 2 downloads at a
time and queues the rest, although they only wait on IO."""

import asyncio

import ray

REJECTED_BY = "test_all_downloads_run_at_once_on_a_small_cluster"


@ray.remote
def download(service, page):
    return service.call(page)


async def download_all(service, pages) -> list:
    refs = [download.remote(service, page) for page in pages]
    return await asyncio.gather(*refs)
