"""Mutant: the path is kept as written, even when it is empty: http://a.test and
http://a.test/ are the same root page under two spellings."""

from types import FunctionType
from urllib.parse import urlsplit, urlunsplit

from solutions.k20_links import kata as solution
from solutions.k20_links.kata import *  # the solution, but for canonical
from solutions.k20_links.kata import _allowed, _base  # noqa: F401  (read by extract_links)

BREAKS = "empty-path-is-slash"
SAYS = ("empty path",)


def canonical(url: str) -> str:
    parts = urlsplit(solution.canonical(url))
    return urlunsplit(parts._replace(path=urlsplit(url).path))  # the mistake: "" stays ""


# The solution's extract_links, rebuilt over this module's names: it calls the canonical above.
extract_links = FunctionType(solution.extract_links.__code__, globals())
