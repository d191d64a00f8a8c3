"""Mutant: content_type is the raw Content-Type header, parameters included
("text/html; charset=utf-8"), so a later `content_type == "text/html"` never matches."""

from dataclasses import replace
from types import FunctionType

from solutions.k19_fetch_a_page import kata as solution
from solutions.k19_fetch_a_page.kata import *  # the solution, but for _record
from solutions.k19_fetch_a_page.kata import _describe, _failed, _is_web_url  # noqa: F401

BREAKS = "page-is-a-record"
SAYS = ("content_type", "parameters")


async def _record(url, response):
    record = await solution._record(url, response)
    return replace(record, content_type=response.headers["Content-Type"])  # the mistake


# The solution's _get and fetch_page, rebuilt over this module's names: they call the _record
# above (a function reads names from the module it was made in).
_get = FunctionType(solution._get.__code__, globals())
fetch_page = FunctionType(solution.fetch_page.__code__, globals())
