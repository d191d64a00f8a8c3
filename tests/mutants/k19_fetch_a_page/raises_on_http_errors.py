"""Mutant: `raise_for_status()` on every answer: a 404 or a 503 becomes an exception
(aiohttp.ClientResponseError), recorded as error="other" with no status: the crawl no longer
knows the server answered."""

from types import FunctionType

from solutions.k19_fetch_a_page import kata as solution
from solutions.k19_fetch_a_page.kata import *  # the solution, but for _record
from solutions.k19_fetch_a_page.kata import _describe, _failed, _is_web_url  # noqa: F401

BREAKS = "statuses-are-answers"
SAYS = ("raise_for_status",)


async def _record(url, response):
    response.raise_for_status()  # the mistake: an HTTP status is an answer, not an error
    return await solution._record(url, response)


# The solution's _get and fetch_page, rebuilt over this module's names: they call the _record
# above (a function reads names from the module it was made in).
_get = FunctionType(solution._get.__code__, globals())
fetch_page = FunctionType(solution.fetch_page.__code__, globals())
