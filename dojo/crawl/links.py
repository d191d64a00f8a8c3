"""The links of a page (kata 20): every <a href>, resolved, canonical, http(s) only, once each,
in document order.

The hrefs come from dojo.crawl.parse: selectolax when installed (fast), else html.parser (the
standard library, as kata 20 teaches it); the links are the same either way. Resolving them
costs as much as parsing once the parser is fast, so it skips what cannot change the answer:
an href seen before on the page (ignoring its fragment, which canonical drops anyway), and an
href this process already resolved from the same folder (a site's navigation links recur on
every page)."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urljoin, urlsplit, urlunsplit

from dojo.crawl.parse import find_hrefs
from dojo.crawl.urls import canonical

CANONICAL_CACHE = 50_000  # (folder, href) pairs resolved, kept per process


@lru_cache(maxsize=CANONICAL_CACHE)
def _resolved(base: str, href: str) -> str | None:
    """canonical(urljoin(base, href)), or None when that is no http(s) URL."""
    try:
        return canonical(urljoin(base, href))
    except ValueError:
        return None  # mailto:, javascript:, a broken URL: not a page


def clear_cache() -> None:
    """Forget the URLs resolved so far (a benchmark starts every crawler cold)."""
    _resolved.cache_clear()


def _folder(base_url: str) -> str:
    """base_url up to the last "/" of its path: all a relative path is resolved against."""
    parts = urlsplit(base_url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path[: parts.path.rfind("/") + 1], "", ""))


def resolve_links(hrefs: list[str | None], base_url: str) -> list[str]:
    """The canonical http(s) URLs of `hrefs` resolved against base_url, each once, in order."""
    links: dict[str, None] = {}
    seen: set[str] = set()
    try:
        folder = _folder(base_url)
    except ValueError:
        folder = None
    for href in hrefs:
        if href is None:
            continue
        # "page#a" and "page#b" are one link: canonical drops the fragment.
        key = href.strip().partition("#")[0]
        if key in seen:
            continue
        seen.add(key)
        # Only "" (the page itself) and "?query" need the page's own name; any other href
        # resolves the same from every page of a folder, so the cache serves the whole folder.
        shared = folder is not None and key != "" and not key.startswith("?")
        url = _resolved(folder if shared else base_url, key)
        if url is not None:
            links[url] = None
    return list(links)


def extract_links(html: str, base_url: str, parser: str | None = None) -> list[str]:
    """Every <a href> of the page, resolved against base_url, canonical, http(s) only, each
    once, in document order. Any domain: deciding which ones to crawl is the frontier's job.
    `parser`: one of dojo.crawl.parse.FINDERS; default, this process's (selectolax)."""
    return resolve_links(find_hrefs(html, parser), base_url)
