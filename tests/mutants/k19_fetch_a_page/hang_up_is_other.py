"""Mutant: maps aiohttp.ClientPayloadError to "reset" but not aiohttp.ServerDisconnectedError,
which lands in the general `except aiohttp.ClientError` as error="other": a server that hangs
up before answering is not told apart from a client bug. Written as its effect on the
solution's records."""

from dataclasses import replace

from solutions.k19_fetch_a_page import kata as solution
from solutions.k19_fetch_a_page.kata import *  # the solution, but for fetch_page

BREAKS = "reset-is-a-record"
SAYS = ("ServerDisconnectedError",)


async def fetch_page(session, url: str, timeout: float) -> FetchResult:
    record = await solution.fetch_page(session, url, timeout)
    if record.error == "reset" and record.detail.startswith("ServerDisconnectedError"):
        return replace(record, error="other")  # the mistake: only ClientPayloadError is a reset
    return record
