"""Mutant: the allowed-domain check compares letters, not labels: host.endswith('a.test')
lets evila.test in, so the crawl wanders off to a stranger's site."""

from types import FunctionType

from solutions.k20_links import kata as solution
from solutions.k20_links.kata import *  # the solution, but for the domain check
from solutions.k20_links.kata import _base  # noqa: F401  (read by extract_links)

BREAKS = "allowed-domains-by-labels"
SAYS = ("whole labels",)


def _allowed(host: str, allowed_domains: set[str]) -> bool:
    return any(host.endswith(d) for d in map(str.lower, allowed_domains))  # the mistake


# The solution's extract_links, rebuilt over this module's names: it calls the _allowed above.
extract_links = FunctionType(solution.extract_links.__code__, globals())
