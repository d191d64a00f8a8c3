"""Kata 20 · Links: reference solution."""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, urlunsplit

# (Given) The port a scheme uses when the URL names none: writing it changes nothing.
DEFAULT_PORTS = {"http": 80, "https": 443}

_HOST = re.compile(r"[a-z0-9.-]+")


def host_is_valid(host: str) -> bool:
    """(Given) True for a host name made of ASCII letters, digits, '-' and '.' (IPv4
    addresses fit). Spaces, other characters and IPv6 literals do not."""
    return bool(host) and _HOST.fullmatch(host.lower()) is not None


class LinkParser(HTMLParser):
    """(Given) Collects the href of every <a> tag in document order, and the first
    <base href>. html.parser is forgiving: unclosed tags and unquoted attributes are fine."""

    def __init__(self):
        super().__init__(convert_charrefs=True)  # &amp; in an href arrives as &
        self.hrefs: list[str] = []
        self.base_href: str | None = None

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if href is None:  # <a name="x"> or a bare <a href>: no link
            return
        if tag == "a":
            self.hrefs.append(href.strip())  # browsers ignore surrounding spaces
        elif tag == "base" and self.base_href is None:
            self.base_href = href.strip()


def find_hrefs(html: str) -> tuple[list[str], str | None]:
    """(Given) The hrefs of the <a> tags in document order, exactly as written (relative or
    absolute, any scheme), and the first <base href> (None without one). Never raises."""
    parser = LinkParser()
    try:
        parser.feed(html)
        parser.close()
    except Exception:
        pass  # some broken markup can still trip the parser: keep what it found so far
    return parser.hrefs, parser.base_href


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


def extract_links(html: str, base_url: str, allowed_domains: set[str]) -> list[str]:
    """The links of the page at base_url worth crawling: every <a href> resolved against the
    page (or its <base href>), in canonical form, http(s) only, on an allowed domain (the
    domain itself or a subdomain of it), each once, in document order. Links that cannot be
    resolved or canonicalised are skipped; nothing here raises."""
    hrefs, base_href = find_hrefs(html)
    base = base_url
    if base_href:
        try:
            base = urljoin(base_url, base_href)  # a relative <base href> is relative too
        except ValueError:
            pass  # an unusable <base href> is ignored, as browsers do
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
