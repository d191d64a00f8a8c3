"""Mutant: the task reserves no CPU, but the driver awaits each download inside the loop that
starts them, so they run one after another anyway."""

from solutions.k03_io_tasks_no_cpus.kata import *  # the solution, but for download_all

BREAKS = "all-at-once"
SAYS = ("one after another", "inside the loop")


async def download_all(service, pages) -> list:
    return [await download.remote(service, page) for page in pages]
