"""Kata 20 · Links: reference solution.

The given code (DEFAULT_PORTS, host_is_valid, find_hrefs) is imported from the kata's stub: it
exists once."""

from urllib.parse import urljoin, urlsplit, urlunsplit

from katas.k20_links.kata import DEFAULT_PORTS, find_hrefs, host_is_valid


def canonical(url: str) -> str:
    """The one spelling of an absolute http(s) URL: scheme and host in lowercase, no default
    port (80 for http, 443 for https), no fragment, an empty path written "/", path and query
    kept exactly. Raises ValueError for anything else: another scheme (mailto:,
    javascript:...), no host or an invalid one (see host_is_valid), a bad port, a broken URL."""
    # Every spelling of one page must give the same string, or the crawler fetches the page
    # once per spelling. Rebuild the URL from the parts that decide which page it is:
    # urlsplit lowercases the scheme, .hostname lowercases the host and drops user and port,
    # .port raises ValueError for a bad port, and the fragment is simply not put back (it is
    # a place inside the page, which the browser scrolls to; the server never sees it).
    parts = urlsplit(url)  # raises ValueError for a broken URL such as http://[::1
    if parts.scheme not in DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: {url!r}")
    host = parts.hostname
    if not host or not host_is_valid(host):
        raise ValueError(f"no valid host in {url!r}")
    port = parts.port
    netloc = host if port in (None, DEFAULT_PORTS[parts.scheme]) else f"{host}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


def _allowed(host: str, allowed_domains: set[str]) -> bool:
    # Compare whole labels: "www.a.test" is under "a.test", "evila.test" is not.
    return any(host == d or host.endswith("." + d) for d in map(str.lower, allowed_domains))


def _base(base_url: str, base_href: str | None) -> str:
    """What the page's links are relative to: its <base href> (a relative one is itself
    resolved against the page), or the page's own URL."""
    if not base_href:
        return base_url
    try:
        return urljoin(base_url, base_href)
    except ValueError:
        return base_url  # an unusable <base href> is ignored, as browsers do


def extract_links(html: str, base_url: str, allowed_domains: set[str]) -> list[str]:
    """The links of the page at base_url worth crawling: every <a href> resolved against the
    page (or its <base href>), in canonical form, http(s) only, on an allowed domain (the
    domain itself or a subdomain of it), each once, in document order. Links that cannot be
    resolved or canonicalised are skipped; nothing here raises."""
    hrefs, base_href = find_hrefs(html)
    base = _base(base_url, base_href)
    found: dict[str, None] = {}  # a dict keeps first-seen order and dedupes
    for href in hrefs:
        try:
            # urljoin resolves "../x", "?q", "//host/x" and "#top" like a browser, and
            # leaves mailto:/javascript: links alone, so canonical() then rejects them.
            url = canonical(urljoin(base, href))
        except ValueError:
            continue  # not a page we can crawl: skip it, do not crash the crawl
        if _allowed(urlsplit(url).hostname, allowed_domains):
            found.setdefault(url)
    return list(found)
