"""Mutant: the URL is not checked before the request: ftp:, mailto:, javascript:, relative
URLs and "http://" all go to the HTTP client, which fails on them in its own ways."""

from types import FunctionType

from solutions.k19_fetch_a_page import kata as solution
from solutions.k19_fetch_a_page.kata import *  # the solution, but for the URL check
from solutions.k19_fetch_a_page.kata import _describe, _failed, _get  # noqa: F401

BREAKS = "bad-urls-refused"
SAYS = ("bad_url",)


def _is_web_url(url: str) -> bool:
    return True  # the mistake: every URL goes to the client


# The solution's fetch_page, rebuilt over this module's names: it calls the _is_web_url above.
fetch_page = FunctionType(solution.fetch_page.__code__, globals())
