"""Alternative: yarl (ships with aiohttp) instead of urllib.parse: URL.join resolves,
URL.host is already lowercase, explicit_port tells a written port from a default one."""

import re
from html.parser import HTMLParser

from yarl import URL

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
    u = URL(url)  # ValueError for a broken URL or a bad port
    if u.scheme not in DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: {url!r}")
    if not u.host or not host_is_valid(u.host):
        raise ValueError(f"no valid host in {url!r}")
    port = u.explicit_port
    netloc = u.host if port in (None, DEFAULT_PORTS[u.scheme]) else f"{u.host}:{port}"
    query = f"?{u.raw_query_string}" if u.raw_query_string else ""
    return f"{u.scheme}://{netloc}{u.raw_path or '/'}{query}"


def extract_links(html: str, base_url: str, allowed_domains: set[str]) -> list[str]:
    hrefs, base_href = find_hrefs(html)
    base = URL(base_url)
    if base_href:
        try:
            base = base.join(URL(base_href))
        except ValueError:
            pass
    domains = {d.lower() for d in allowed_domains}
    links: list[str] = []
    for href in hrefs:
        try:
            url = canonical(str(base.join(URL(href))))
        except ValueError:
            continue
        host = URL(url).host
        allowed = any(host == d or host.endswith(f".{d}") for d in domains)
        if allowed and url not in links:
            links.append(url)
    return links
