"""Mutant: hrefs are resolved by gluing strings instead of urljoin: a path is put after the
page's folder, a "/path" after its host. "../about", "?page=2", "//host/x" and the empty href
all come out wrong (links with a scheme are left alone, so mailto: is still refused)."""

from types import FunctionType
from urllib.parse import urlsplit

from solutions.k20_links import kata as solution
from solutions.k20_links.kata import *  # the solution, but for resolving hrefs
from solutions.k20_links.kata import _allowed, _base  # noqa: F401  (read by extract_links)

BREAKS = "resolved-like-a-browser"
SAYS = ("urljoin",)


def urljoin(base: str, href: str) -> str:  # the mistake: a hand-made urljoin
    if urlsplit(href).scheme:
        return href
    parts = urlsplit(base)
    if href.startswith("/"):
        return f"{parts.scheme}://{parts.netloc}{href}"
    folder = parts.path.rsplit("/", 1)[0]
    return f"{parts.scheme}://{parts.netloc}{folder}/{href}"


# The solution's extract_links, rebuilt over this module's names: it calls the urljoin above.
extract_links = FunctionType(solution.extract_links.__code__, globals())
