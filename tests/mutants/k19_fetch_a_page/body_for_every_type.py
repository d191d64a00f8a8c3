"""Mutant: every answer's body is decoded as text, images and PDFs included: garbage in the
record for anything that is not text/*."""

from dataclasses import replace
from types import FunctionType

from solutions.k19_fetch_a_page import kata as solution
from solutions.k19_fetch_a_page.kata import *  # the solution, but for _record
from solutions.k19_fetch_a_page.kata import _describe, _failed, _is_web_url  # noqa: F401

BREAKS = "body-only-for-text"
SAYS = ("text/*",)


async def _record(url, response):
    record = await solution._record(url, response)
    return replace(record, body=await response.text(errors="replace"))  # the mistake: any type


# The solution's _get and fetch_page, rebuilt over this module's names: they call the _record
# above (a function reads names from the module it was made in).
_get = FunctionType(solution._get.__code__, globals())
fetch_page = FunctionType(solution.fetch_page.__code__, globals())
