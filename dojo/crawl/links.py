"""The links of a page (kata 20): every <a href>, resolved, canonical, http(s) only, once each,
in document order."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

from dojo.crawl.urls import canonical


class _Hrefs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href is not None:
            self.hrefs.append(href.strip())


def extract_links(html: str, base_url: str) -> list[str]:
    """Every <a href> of the page, resolved against base_url, canonical, http(s) only, each
    once, in document order. Any domain: deciding which ones to crawl is the frontier's job."""
    parser = _Hrefs()
    try:
        parser.feed(html)
        parser.close()
    except Exception:
        pass  # keep what was found before the markup broke the parser
    links: dict[str, None] = {}
    for href in parser.hrefs:
        try:
            links[canonical(urljoin(base_url, href))] = None
        except ValueError:
            continue  # mailto:, javascript:, a broken URL: not a page
    return list(links)
