"""Mutant: any scheme with a host passes (only http(s) lose their default port): an
ftp://a.test/file.txt link is queued as a web page the crawler cannot fetch."""

from types import FunctionType
from urllib.parse import urlsplit, urlunsplit

from solutions.k20_links import kata as solution
from solutions.k20_links.kata import *  # the solution, but for canonical
from solutions.k20_links.kata import _allowed, _base  # noqa: F401  (read by extract_links)

BREAKS = "http-and-https-only"
SAYS = ("scheme",)


def canonical(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme in DEFAULT_PORTS:
        return solution.canonical(url)
    if not parts.hostname:
        raise ValueError(f"no host in {url!r}")
    return urlunsplit(parts._replace(fragment=""))  # the mistake: the scheme is not checked


# The solution's extract_links, rebuilt over this module's names: it calls the canonical above.
extract_links = FunctionType(solution.extract_links.__code__, globals())
