"""Alternative: keep the plain `@ray.remote` decorator and lower the request per call with
`.options(num_cpus=0)`, which is how you would do it when only some calls are IO-bound. The
tasks reserve no CPU either way, so it must pass."""

import asyncio

import ray


@ray.remote
def download(service, page):
    return service.call(page)


async def download_all(service, pages) -> list:
    io_download = download.options(num_cpus=0)
    return await asyncio.gather(*[io_download.remote(service, page) for page in pages])
