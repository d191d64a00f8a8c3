"""Mutant: the port is kept whenever the URL names one, default or not. http://a.test:80/x
and http://a.test/x are one page under two spellings: fetched twice."""

from types import FunctionType
from urllib.parse import urlsplit, urlunsplit

from solutions.k20_links import kata as solution
from solutions.k20_links.kata import *  # the solution, but for canonical
from solutions.k20_links.kata import _allowed, _base  # noqa: F401  (read by extract_links)

BREAKS = "default-port-dropped"
SAYS = ("port", "default")


def canonical(url: str) -> str:
    parts = urlsplit(solution.canonical(url))
    written = urlsplit(url).port
    if written is None:
        return urlunsplit(parts)
    return urlunsplit(parts._replace(netloc=f"{parts.hostname}:{written}"))  # the mistake


# The solution's extract_links, rebuilt over this module's names: it calls the canonical above.
extract_links = FunctionType(solution.extract_links.__code__, globals())
