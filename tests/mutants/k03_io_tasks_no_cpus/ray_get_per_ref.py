"""Mutant: starts every download, then `ray.get` on each ref in turn. All run at once and the
order is right, but each ray.get blocks the event loop's thread."""

import ray

from solutions.k03_io_tasks_no_cpus.kata import *  # the solution, but for download_all

BREAKS = "loop-keeps-running"
SAYS = ("ray.get",)


async def download_all(service, pages) -> list:
    refs = [download.remote(service, page) for page in pages]
    return [ray.get(ref) for ref in refs]
