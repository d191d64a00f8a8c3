"""Mutant: the <base href> is resolved without a safety net: an unusable one (http://[::1)
makes urljoin raise ValueError, which escapes extract_links and would stop the crawl."""

from types import FunctionType

from solutions.k20_links import kata as solution
from solutions.k20_links.kata import *  # the solution, but for the base of the links
from solutions.k20_links.kata import _allowed  # noqa: F401  (read by extract_links)

BREAKS = "a-bad-link-never-raises"
SAYS = ("<base href>", "ValueError")


def _base(base_url: str, base_href: str | None) -> str:
    return urljoin(base_url, base_href) if base_href else base_url  # the mistake: no try


# The solution's extract_links, rebuilt over this module's names: it calls the _base above.
extract_links = FunctionType(solution.extract_links.__code__, globals())
