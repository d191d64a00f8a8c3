"""Mutant: `num_cpus=0.5`, believing a fraction of a CPU is "almost nothing". It still
reserves CPU: on a 2-CPU cluster only 4 downloads run at once and Ray queues the rest."""

import asyncio

from solutions.k03_io_tasks_no_cpus.kata import *  # the solution, but for download_all

BREAKS = "reserves-no-cpu"
SAYS = ("reserved 0.5 CPU", "still reserves")


async def download_all(service, pages) -> list:
    half_cpu = download.options(num_cpus=0.5)
    return await asyncio.gather(*[half_cpu.remote(service, page) for page in pages])
