"""Mutant: the fragment is put back into the canonical URL. /page#top and /page#reviews
then look like two pages: the crawler fetches the same page once per fragment."""

from types import FunctionType
from urllib.parse import urlsplit

from solutions.k20_links import kata as solution
from solutions.k20_links.kata import *  # the solution, but for canonical
from solutions.k20_links.kata import _allowed, _base  # noqa: F401  (read by extract_links)

BREAKS = "fragment-dropped"
SAYS = ("fragment",)


def canonical(url: str) -> str:
    fragment = urlsplit(url).fragment
    return solution.canonical(url) + (f"#{fragment}" if fragment else "")  # the mistake


# The solution's extract_links, rebuilt over this module's names: it calls the canonical above.
extract_links = FunctionType(solution.extract_links.__code__, globals())
