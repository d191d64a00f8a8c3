"""Kata 03 · IO tasks don't need CPUs. The instructions are in README.md next to this file."""

import ray

from dojo import todo


@ray.remote  # TODO: this task only waits on IO; what does it reserve by default?
def download(service, page):
    """Download one page from a slow service: almost all of its time is spent waiting."""
    return service.call(page)


async def download_all(service, pages) -> list:
    """Download every page at once; return the results in the order of pages."""
    # TODO: start one download per page, all at the same time, and await them together.
    todo("start one download per page, let all run at once, and await them together")
