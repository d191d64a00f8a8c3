"""Alternative: keep a plain `@ray.remote` task and lower the request per call with
`.options(num_cpus=0)`, which is how you would do it when only some calls are IO-bound. The
tasks reserve no CPU either way, so it must pass."""

import asyncio

import ray

from solutions.k03_io_tasks_no_cpus.kata import *  # the solution, but for download_all


@ray.remote
def _download(service, page):
    return service.call(page)


async def download_all(service, pages) -> list:
    io_download = _download.options(num_cpus=0)
    return await asyncio.gather(*[io_download.remote(service, page) for page in pages])
