"""Mutant: a port that is out of range or not a number is dropped instead of refused:
http://a.test:99999/ becomes http://a.test/, a page the link never pointed to."""

from types import FunctionType
from urllib.parse import urlsplit, urlunsplit

from solutions.k20_links import kata as solution
from solutions.k20_links.kata import *  # the solution, but for canonical
from solutions.k20_links.kata import _allowed, _base  # noqa: F401  (read by extract_links)

BREAKS = "canonical-refuses-non-web-urls"
SAYS = ("port", "not checked")


def canonical(url: str) -> str:
    try:
        return solution.canonical(url)
    except ValueError:
        parts = urlsplit(url)  # the mistake: retry without the port, as if it were not there
        return solution.canonical(urlunsplit(parts._replace(netloc=parts.hostname or "")))


# The solution's extract_links, rebuilt over this module's names: it calls the canonical above.
extract_links = FunctionType(solution.extract_links.__code__, globals())
