"""Mutant: final_url is the URL asked for, not where the answer came from after the
redirects: the crawl files the moved page under its old address."""

from dataclasses import replace
from types import FunctionType

from solutions.k19_fetch_a_page import kata as solution
from solutions.k19_fetch_a_page.kata import *  # the solution, but for _record
from solutions.k19_fetch_a_page.kata import _describe, _failed, _is_web_url  # noqa: F401

BREAKS = "redirects-followed"
SAYS = ("final_url", "response.url")


async def _record(url, response):
    return replace(await solution._record(url, response), final_url=url)  # the mistake


# The solution's _get and fetch_page, rebuilt over this module's names: they call the _record
# above (a function reads names from the module it was made in).
_get = FunctionType(solution._get.__code__, globals())
fetch_page = FunctionType(solution.fetch_page.__code__, globals())
