"""Mutant: the request code catches asyncio.CancelledError ("a cancelled request is a failed
fetch"), the cancellation that asyncio.wait_for sends when time is up included: a page slower
than the time limit comes back as error="other", not "timeout"."""

import asyncio
from types import FunctionType

from solutions.k19_fetch_a_page import kata as solution
from solutions.k19_fetch_a_page.kata import *  # the solution, but for _get
from solutions.k19_fetch_a_page.kata import _describe, _failed, _is_web_url  # noqa: F401

BREAKS = "slow-page-times-out"
SAYS = ("CancelledError",)


async def _get(session, url: str) -> FetchResult:
    try:
        return await solution._get(session, url)
    except asyncio.CancelledError as error:  # the mistake: the time limit's cancellation too
        return _failed(url, "other", _describe(error))


# The solution's fetch_page, rebuilt over this module's names: it calls the _get above.
fetch_page = FunctionType(solution.fetch_page.__code__, globals())
