"""Mutant: a handler for aiohttp.ClientResponseError comes before the one for
aiohttp.TooManyRedirects (which is a ClientResponseError), so a redirect loop is recorded as
error="other"."""

from types import FunctionType

import aiohttp

from solutions.k19_fetch_a_page import kata as solution
from solutions.k19_fetch_a_page.kata import *  # the solution, but for _get
from solutions.k19_fetch_a_page.kata import _describe, _failed, _is_web_url  # noqa: F401

BREAKS = "redirect-loop"
SAYS = ("TooManyRedirects",)


async def _get(session, url: str) -> FetchResult:
    try:
        return await solution._get(session, url)
    except aiohttp.ClientResponseError as error:  # the mistake: the loop is caught here first
        return _failed(url, "other", _describe(error))


# The solution's fetch_page, rebuilt over this module's names: it calls the _get above.
fetch_page = FunctionType(solution.fetch_page.__code__, globals())
