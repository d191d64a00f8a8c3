"""Mutant: the time limit via asyncio.wait(..., timeout=...), which returns when time is up but
does not cancel the request: the record says "timeout" while the request goes on."""

import asyncio

from solutions.k19_fetch_a_page import kata as solution
from solutions.k19_fetch_a_page.kata import *  # the solution, but for fetch_page
from solutions.k19_fetch_a_page.kata import _failed

BREAKS = "timed-out-request-is-cancelled"
SAYS = ("left running",)


async def fetch_page(session, url: str, timeout: float) -> FetchResult:
    request = asyncio.ensure_future(solution.fetch_page(session, url, None))
    done, _ = await asyncio.wait({request}, timeout=timeout)
    if not done:  # the mistake: nobody cancels `request`; it runs on
        return _failed(url, "timeout", f"no answer within {timeout:g} s")
    return request.result()
