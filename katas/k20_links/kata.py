"""Kata 20 · Links. The instructions are in README.md next to this file."""

import re
from html.parser import HTMLParser

from dojo import todo

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
    # TODO: split the URL (urllib.parse.urlsplit or yarl.URL), check it, and put it back
    # together without the parts that do not change which page it is.
    todo("return the canonical spelling of url, or raise ValueError")


def extract_links(html: str, base_url: str, allowed_domains: set[str]) -> list[str]:
    """The links of the page at base_url worth crawling: every <a href> resolved against the
    page (or its <base href>), in canonical form, http(s) only, on an allowed domain (the
    domain itself or a subdomain of it), each once, in document order. Links that cannot be
    resolved or canonicalised are skipped; nothing here raises."""
    # TODO: find_hrefs(html), resolve each href (urllib.parse.urljoin or yarl's URL.join),
    # canonicalise it, keep it if its host is allowed and it is new.
    todo("resolve, canonicalise, filter and dedupe the page's links")
