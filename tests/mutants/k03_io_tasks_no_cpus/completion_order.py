"""Mutant: results collected with `asyncio.as_completed`, so they come back in the order the
downloads finished, not in the order of pages."""

import asyncio

from solutions.k03_io_tasks_no_cpus.kata import *  # the solution, but for download_all

BREAKS = "results-in-page-order"
SAYS = ("finished", "as_completed")


async def download_all(service, pages) -> list:
    refs = [download.remote(service, page) for page in pages]
    return [await next_done for next_done in asyncio.as_completed(refs)]
