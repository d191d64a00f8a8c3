"""The crawler's HTML parsers (dojo.crawl.parse) give the links html.parser gives, the
resolution shortcuts of dojo.crawl.links change no answer, and the choice of parser is per
process (the baseline's html.parser never leaks into the crawler's default)."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest

from dojo.crawl import parse
from dojo.crawl.links import clear_cache, extract_links, resolve_links
from dojo.crawl.urls import canonical

BASE = "http://docs.test/library/os.html"

PAGES = {
    "relative and absolute": '<a href="../index.html">up</a><a href="http://Other.test:80/x">o</a>',
    "fragments are one link": (
        '<a href="path.html#a">1</a><a href="path.html#b">2</a><a href="#top">3</a>'
    ),
    "self and empty": '<a href="">self</a><a href="  os.html  ">spaces</a>',
    "not pages": '<a href="mailto:me@x.test">m</a><a href="javascript:void(0)">j</a><a>none</a>',
    "broken URL": '<a href="http://[::1">bad</a><a href="ok.html">ok</a>',
    "entities": '<a href="search.html?q=a&amp;b=c">s</a><A HREF="Caps.html">c</A>',
    "order kept": '<a href="b.html">b</a><a href="a.html">a</a><a href="b.html#x">b</a>',
    "script and comment": '<script>"<a href=in-script.html>"</script><!-- <a href="c.html"> -->',
    "unclosed markup": '<div><p><a href="one.html">one<a href="two.html">two</div',
    "valueless href": "<a href>nothing</a><a href=bare.html>bare</a>",
    "empty document": "",
}


@pytest.mark.parametrize("name", [n for n in parse.FINDERS if parse.installed(n)])
@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_parser_finds_the_links_html_parser_finds(name, page):
    if (name, page) == ("lxml", "valueless href"):
        pytest.skip('lxml reads <a href> as href="" (a link to the page itself): measured only')
    html = f"<html><body>{PAGES[page]}</body></html>"
    assert extract_links(html, BASE, name) == extract_links(html, BASE, "html.parser")


def test_the_links_as_kata_20_defines_them():
    html = "".join(
        PAGES[p] for p in ("relative and absolute", "fragments are one link", "not pages")
    )
    assert extract_links(html, BASE) == [
        "http://docs.test/index.html",
        "http://other.test/x",
        "http://docs.test/library/path.html",
        "http://docs.test/library/os.html",
    ]


@pytest.mark.parametrize("base", [BASE, "http://docs.test/library/os.html?v=3", "http://docs.test"])
def test_resolution_shortcuts_change_nothing(base):
    """Skipping a repeated href (fragment aside) and resolving from the page's folder through a
    cache: the same list as resolving every href afresh against the page itself."""
    hrefs = [
        "a.html#1",
        None,
        "a.html#2",
        "#x",
        "",
        "?q=1",
        "./",
        "../",
        "//other.test/p",
        "/abs",
        "b.html",
        "mailto:x",
        "A.html",
        "b.html",
        " c.html ",
        "http://[::1",
    ]

    def plain() -> list[str]:
        links = {}
        for href in hrefs:
            try:
                links[canonical(urljoin(base, href.strip()))] = None
            except (AttributeError, ValueError):
                continue
        return list(links)

    clear_cache()
    assert resolve_links(hrefs, base) == plain()
    assert resolve_links(hrefs, base) == plain()  # again, from the cache


def test_where_html5_parsers_differ_from_html_parser():
    """Documented differences, on broken markup only: the HTML5 parsers keep the first of two
    hrefs and find no link in a <textarea>; html.parser keeps the last and finds it."""
    if not parse.installed("selectolax"):
        pytest.skip("selectolax is not installed (pip install -e .)")
    html = '<a href="first.html" href="last.html">x</a><textarea><a href="t.html"></textarea>'
    assert parse.find_hrefs(html, "selectolax") == ["first.html"]
    assert parse.find_hrefs(html, "html.parser") == ["last.html", "t.html"]


def test_the_parser_is_chosen_per_process(monkeypatch):
    monkeypatch.setattr(parse, "_chosen", [])
    expected = "selectolax" if parse.installed("selectolax") else "html.parser"
    assert parse.current_parser() == expected
    parse.use_parser("html.parser")
    assert parse.current_parser() == "html.parser"
    with pytest.raises(ValueError, match="unknown HTML parser"):
        parse.use_parser("regex")


def test_the_environment_may_name_the_parser(monkeypatch):
    monkeypatch.setattr(parse, "_chosen", [])
    monkeypatch.setenv(parse.ENV, "html.parser")
    assert parse.current_parser() == "html.parser"
    monkeypatch.setattr(parse, "_chosen", [])
    monkeypatch.setenv(parse.ENV, "no-such-parser")
    assert parse.current_parser() in ("selectolax", "html.parser")


@pytest.mark.parametrize("big_page", [0, 10**9], ids=["in a thread", "inline"])
async def test_digest_off_loop_is_digest(big_page):
    from dojo.crawl.parse_async import digest_off_loop
    from dojo.crawl.report import digest
    from dojo.crawl.result import FetchResult

    html = "<html><body>" + "".join(PAGES.values()) + "</body></html>"
    page = FetchResult(BASE, BASE, 200, "text/html", html, None, "200 OK")
    assert await digest_off_loop(page, big_page) == digest(page)
    assert len(digest(page).links) > 5
