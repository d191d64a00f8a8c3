"""Where a page's hrefs come from: one HTML parser of three, chosen per process.

    selectolax   lexbor (C, HTML5 tree builder): the default, ~15x html.parser on real
                 documentation (bench/crawl_static.py prints the table)
    lxml         libxml2: about half selectolax's speed; measured only (not a dependency)
    html.parser  the standard library: what kata 20 teaches and gives; the fallback when
                 selectolax is not installed, and the one-process baseline's parser

Each finder returns the raw href of every <a> in document order (None for an <a> without
one, or with a valueless `href`); dojo.crawl.links resolves them. The three agree on real
pages; where broken markup is read differently, selectolax and lxml follow the HTML5 rules
(the first of two `href`s counts; an <a> inside <textarea> or <template> is no link), and
html.parser keeps the last `href` and finds links in RCDATA; lxml reads a valueless `href` as
an empty one (a link to the page itself).

Why no thread or process pool here: the crawler already parses in its fetcher processes
(several of them, one core each at most), and a selectolax parse of a big page blocks a
fetcher's event loop for about a millisecond. A thread would not free the loop anyway:
lexbor and html.parser hold the GIL while they parse (bench/crawl_static.py measures it).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from html.parser import HTMLParser

HrefFinder = Callable[[str], list[str | None]]

ENV = "DOJO_HTML_PARSER"  # a process started with it set uses that parser (a comparison run)


class _Hrefs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href"))


def stdlib_hrefs(html: str) -> list[str | None]:
    parser = _Hrefs()
    try:
        parser.feed(html)
        parser.close()
    except Exception:
        pass  # keep what was found before the markup broke the parser
    return parser.hrefs


def selectolax_hrefs(html: str) -> list[str | None]:
    from selectolax.lexbor import LexborHTMLParser

    return [node.attributes.get("href") for node in LexborHTMLParser(html).css("a")]


def lxml_hrefs(html: str) -> list[str | None]:
    import lxml.html
    from lxml.etree import ParserError

    try:
        root = lxml.html.document_fromstring(html)
    except ValueError:  # a str with an XML encoding declaration: lxml wants bytes then
        root = lxml.html.document_fromstring(html.encode("utf-8", errors="replace"))
    except ParserError:  # an empty document
        return []
    return [a.get("href") for a in root.iter("a")]


FINDERS: dict[str, HrefFinder] = {
    "selectolax": selectolax_hrefs,
    "lxml": lxml_hrefs,
    "html.parser": stdlib_hrefs,
}


def installed(name: str) -> bool:
    """Whether the parser `name` can run here (html.parser always can)."""
    try:
        FINDERS[name]("<a href=x>x</a>")
    except ImportError:
        return False
    return True


def _default() -> str:
    wanted = os.environ.get(ENV, "")
    if wanted in FINDERS and installed(wanted):
        return wanted
    return "selectolax" if installed("selectolax") else "html.parser"


_chosen: list[str] = []  # this process's parser, decided on first use


def current_parser() -> str:
    if not _chosen:
        _chosen.append(_default())
    return _chosen[0]


def use_parser(name: str) -> None:
    """Parse with `name` in this process from now on (a benchmark's baseline does)."""
    if name not in FINDERS:
        raise ValueError(f"unknown HTML parser {name!r}: one of {', '.join(FINDERS)}")
    if not installed(name):
        raise ValueError(f"the HTML parser {name!r} is not installed")
    _chosen[:] = [name]


def find_hrefs(html: str, parser: str | None = None) -> list[str | None]:
    """The raw href of every <a> of `html`, in document order, by `parser` (default: this
    process's, see current_parser)."""
    return FINDERS[parser or current_parser()](html)
