"""Mutant: the query's parameters are sorted "to canonicalise them": ?q=Ada&page=2 becomes
?page=2&q=Ada. The README keeps the query exactly as written (a server may read the order)."""

from types import FunctionType
from urllib.parse import urlsplit, urlunsplit

from solutions.k20_links import kata as solution
from solutions.k20_links.kata import *  # the solution, but for canonical
from solutions.k20_links.kata import _allowed, _base  # noqa: F401  (read by extract_links)

BREAKS = "query-kept-exactly"
SAYS = ("query", "order")


def canonical(url: str) -> str:
    parts = urlsplit(solution.canonical(url))
    query = "&".join(sorted(parts.query.split("&"))) if parts.query else ""  # the mistake
    return urlunsplit(parts._replace(query=query))


# The solution's extract_links, rebuilt over this module's names: it calls the canonical above.
extract_links = FunctionType(solution.extract_links.__code__, globals())
