"""Mutant: the hrefs are found with a regular expression instead of the given find_hrefs:
it misses unquoted and upper-case attributes, keeps &amp; undecoded, and reads links inside
HTML comments."""

import re
from types import FunctionType

from solutions.k20_links import kata as solution
from solutions.k20_links.kata import *  # the solution, but for finding the hrefs
from solutions.k20_links.kata import _allowed, _base  # noqa: F401  (read by extract_links)

BREAKS = "links-from-the-given-parser"
SAYS = ("find_hrefs",)

_HREF = re.compile(r'<a\s[^>]*href="([^"]*)"')
_BASE = re.compile(r'<base\s[^>]*href="([^"]*)"')


def find_hrefs(html: str) -> tuple[list[str], str | None]:  # the mistake: not the parser
    base = _BASE.search(html)
    return [h.strip() for h in _HREF.findall(html)], base.group(1) if base else None


# The solution's extract_links, rebuilt over this module's names: it calls the find_hrefs above.
extract_links = FunctionType(solution.extract_links.__code__, globals())
