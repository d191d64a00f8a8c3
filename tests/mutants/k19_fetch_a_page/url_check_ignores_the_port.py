"""Mutant: the URL is checked with urllib.parse.urlsplit for its scheme and host, but its port
is never read, so a URL that does not parse (`http://a.test:99999/`) goes to the HTTP client,
which raises ValueError out of fetch_page."""

from types import FunctionType
from urllib.parse import urlsplit

from solutions.k19_fetch_a_page import kata as solution
from solutions.k19_fetch_a_page.kata import *  # the solution, but for the URL check
from solutions.k19_fetch_a_page.kata import _describe, _failed, _get  # noqa: F401

BREAKS = "bad-urls-refused"
SAYS = ("bad_url", "port", "ValueError")


def _is_web_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)  # the mistake: no .port


# The solution's fetch_page, rebuilt over this module's names: it calls the _is_web_url above.
fetch_page = FunctionType(solution.fetch_page.__code__, globals())
