"""Alternative: urllib.parse in another style: urldefrag first, SplitResult._replace to
rebuild, a generator pipeline deduped with dict.fromkeys, domains compared label by label."""

import re
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

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
    parts = urlsplit(urldefrag(url).url)
    scheme = parts.scheme
    if scheme not in DEFAULT_PORTS or not host_is_valid(parts.hostname or ""):
        raise ValueError(f"not a crawlable http(s) URL: {url!r}")
    netloc = parts.hostname
    if parts.port is not None and parts.port != DEFAULT_PORTS[scheme]:
        netloc += f":{parts.port}"
    return parts._replace(netloc=netloc, path=parts.path or "/").geturl()


def _under(host: str, domain: str) -> bool:
    labels, wanted = host.split("."), domain.lower().split(".")
    return labels[-len(wanted) :] == wanted


def _resolved(hrefs: Iterable[str], base: str) -> Iterator[str]:
    for href in hrefs:
        try:
            yield canonical(urljoin(base, href))
        except ValueError:
            pass


def extract_links(html: str, base_url: str, allowed_domains: set[str]) -> list[str]:
    hrefs, base_href = find_hrefs(html)
    try:
        base = urljoin(base_url, base_href or "")
    except ValueError:
        base = base_url
    wanted = (
        url
        for url in _resolved(hrefs, base)
        if any(_under(urlsplit(url).hostname, d) for d in allowed_domains)
    )
    return list(dict.fromkeys(wanted))
