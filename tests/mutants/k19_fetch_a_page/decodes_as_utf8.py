"""Mutant: the body is read as bytes and decoded as UTF-8, whatever charset the server
declared: a Latin-1 page raises UnicodeDecodeError (which escapes fetch_page)."""

from dataclasses import replace
from types import FunctionType

from solutions.k19_fetch_a_page import kata as solution
from solutions.k19_fetch_a_page.kata import *  # the solution, but for _record
from solutions.k19_fetch_a_page.kata import _describe, _failed, _is_web_url  # noqa: F401

BREAKS = "text-decoded-with-its-charset"
SAYS = ("charset", "UTF-8")


async def _record(url, response):
    record = await solution._record(url, response)
    if record.body is None:
        return record
    return replace(record, body=(await response.read()).decode())  # the mistake: always UTF-8


# The solution's _get and fetch_page, rebuilt over this module's names: they call the _record
# above (a function reads names from the module it was made in).
_get = FunctionType(solution._get.__code__, globals())
fetch_page = FunctionType(solution.fetch_page.__code__, globals())
