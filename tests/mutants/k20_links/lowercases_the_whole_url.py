"""Mutant: the whole URL is lowercased, not just scheme and host. /Guide and /guide can be
different pages (paths and queries are case-sensitive): the crawler fetches the wrong one."""

from types import FunctionType

from solutions.k20_links import kata as solution
from solutions.k20_links.kata import *  # the solution, but for canonical
from solutions.k20_links.kata import _allowed, _base  # noqa: F401  (read by extract_links)

BREAKS = "lowercase-only-scheme-and-host"
SAYS = ("whole URL", "path")


def canonical(url: str) -> str:
    return solution.canonical(url.lower())  # the mistake: path and query lose their case too


# The solution's extract_links, rebuilt over this module's names: it calls the canonical above.
extract_links = FunctionType(solution.extract_links.__code__, globals())
