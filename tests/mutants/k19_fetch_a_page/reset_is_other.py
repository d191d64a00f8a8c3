"""Mutant: aiohttp.ClientPayloadError is not mapped: a body cut off mid-transfer lands in the
general `except aiohttp.ClientError` as error="other", and the crawl cannot tell a reset
connection from a client bug. Written as its effect on the solution's records."""

from dataclasses import replace

from solutions.k19_fetch_a_page import kata as solution
from solutions.k19_fetch_a_page.kata import *  # the solution, but for fetch_page

BREAKS = "reset-is-a-record"
SAYS = ("ClientPayloadError",)


async def fetch_page(session, url: str, timeout: float) -> FetchResult:
    record = await solution.fetch_page(session, url, timeout)
    if record.error == "reset":
        return replace(record, error="other")  # the mistake: no clause of its own
    return record
