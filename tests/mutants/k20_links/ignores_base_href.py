"""Mutant: the page's <base href> is ignored: every link is resolved against the page's own
URL, so on a page with <base href="/static/"> the links point to the wrong folder."""

from types import FunctionType

from solutions.k20_links import kata as solution
from solutions.k20_links.kata import *  # the solution, but for the base of the links
from solutions.k20_links.kata import _allowed  # noqa: F401  (read by extract_links)

BREAKS = "base-href-honoured"
SAYS = ("<base href>", "ignored")


def _base(base_url: str, base_href: str | None) -> str:
    return base_url  # the mistake: find_hrefs' second value is never used


# The solution's extract_links, rebuilt over this module's names: it calls the _base above.
extract_links = FunctionType(solution.extract_links.__code__, globals())
