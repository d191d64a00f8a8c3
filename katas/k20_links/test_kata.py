"""Kata 20 · Links: the tests your code must pass.

Pure functions, no Ray. Every test is a table: an input, the answer a crawler needs, and why.
A failure names the row, what came back, and what the wrong answer costs the crawl.
"""

import pytest

from dojo import NotDoneYet
from dojo.harness.teach import fail

# A pure function: no Ray needed, so none is started (feedback in a fraction of a second).
pytestmark = [pytest.mark.timeout(30), pytest.mark.no_ray]

PAGE = "http://a.test/docs/guide"
ALLOWED = frozenset({"a.test"})


# -- helpers -------------------------------------------------------------------------------


def _canonical(kata, url: str):
    """("ok", value) or ("raised", exception) from the learner's canonical(url)."""
    try:
        return "ok", kata.canonical(url)
    except NotDoneYet:
        raise
    except Exception as error:
        return "raised", error


def _links(kata, html: str, page: str = PAGE, allowed=ALLOWED) -> list:
    call = f"extract_links({html!r}, {page!r}, {set(allowed)!r})"
    try:
        result = kata.extract_links(html, page, set(allowed))
    except NotDoneYet:
        raise
    except Exception as error:
        fail(
            f"{call} raised {type(error).__name__}: {error}",
            "a list of links: a link that cannot be resolved or canonicalised is skipped",
            "an exception escaped for one bad link, and one bad link would stop the whole "
            "crawl: catch ValueError around resolving and canonicalising each href, and make "
            "canonical() raise ValueError (not TypeError, AttributeError...) for what it "
            "rejects",
        )
    if not isinstance(result, list):
        fail(
            f"{call} returned a {type(result).__name__}: {result!r}",
            "a list of canonical URLs, in document order",
            "return a list (a set or a generator loses the order, or is used up once)",
        )
    return result


def _anchor(href: str) -> str:
    return f'<a href="{href}">link</a>'


def _check_canonical_rows(kata, rows, likely):
    """rows: (url, wanted canonical form, why). `likely(got, want)` picks the mistake."""
    for url, want, why in rows:
        kind, got = _canonical(kata, url)
        if kind == "raised":
            fail(
                f"canonical({url!r}) raised {type(got).__name__}: {got}",
                f"{want!r}: {why}",
                "this is a valid http(s) URL: only a foreign scheme, a missing or invalid "
                "host, a bad port or a broken URL raise ValueError",
            )
        if got != want:
            fail(f"canonical({url!r}) gave {got!r}", f"{want!r}: {why}", likely(got, want))


def _check_link_rows(kata, rows, likely, page: str = PAGE, allowed=ALLOWED):
    """rows: (href, wanted links, why), each href alone in an <a> on `page`."""
    for href, want, why in rows:
        got = _links(kata, _anchor(href), page, allowed)
        if got != want:
            fail(
                f'`<a href="{href}">` on {page} gave {got!r}',
                f"{want!r}: {why}",
                likely(href, got, want),
            )


def _must_raise_value_error(kata, url: str, why: str, likely: str):
    kind, got = _canonical(kata, url)
    if kind == "ok":
        fail(f"canonical({url!r}) returned {got!r}", f"ValueError: {why}", likely)
    if not isinstance(got, ValueError):
        fail(
            f"canonical({url!r}) raised {type(got).__name__}: {got}",
            f"ValueError: {why}",
            "extract_links (and kata 22's frontier) catch ValueError to skip a bad link; "
            "any other exception crashes the crawl. Check the parts and raise ValueError "
            "yourself (a missing host gives None, which is not an error by itself)",
        )


# -- canonical form ------------------------------------------------------------------------


def test_only_scheme_and_host_are_lowercased(kata):
    rows = [
        (
            "HTTP://A.TEST/x",
            "http://a.test/x",
            "scheme and host are case-insensitive: HTTP://A.TEST and http://a.test are one site",
        ),
        (
            "http://Docs.A.Test/Guide/Intro",
            "http://docs.a.test/Guide/Intro",
            "the path is case-sensitive: /Guide and /guide can be two different pages",
        ),
        (
            "https://A.test/search?Q=Ada",
            "https://a.test/search?Q=Ada",
            "the query is case-sensitive too: ?Q=Ada is not ?q=ada",
        ),
    ]

    def likely(got, want):
        if got == want.lower():
            return (
                "the whole URL was lowercased: lowercase only the scheme and the host "
                "(urlsplit's .hostname is already lowercase); path and query stay as written"
            )
        return (
            "the scheme or host kept its case: build the URL from parts.scheme.lower() and "
            "parts.hostname (lowercase, no port), not from parts.netloc as written"
        )

    _check_canonical_rows(kata, rows, likely)
    got = _links(kata, _anchor("HTTP://WWW.A.TEST/Guide"))
    want = ["http://www.a.test/Guide"]
    if got != want:
        fail(
            f'`<a href="HTTP://WWW.A.TEST/Guide">` on {PAGE} gave {got!r}',
            f"{want!r}: extract_links returns canonical URLs",
            "run canonical() on every resolved link before filtering and deduping",
        )


def test_default_ports_are_dropped(kata):
    rows = [
        (
            "http://a.test:80/x",
            "http://a.test/x",
            "80 is http's default port: http://a.test:80/x and http://a.test/x are one page, "
            "and keeping both spellings fetches it twice",
        ),
        ("https://a.test:443/", "https://a.test/", "443 is https's default port"),
        (
            "HTTP://A.TEST:80",
            "http://a.test/",
            "default port, uppercase host and empty path: all one page, http://a.test/",
        ),
        (
            "http://a.test:8080/x",
            "http://a.test:8080/x",
            "8080 is not a default port: it is another server, keep it",
        ),
        (
            "https://a.test:80/x",
            "https://a.test:80/x",
            "80 is the default for http only: on https it is a real, unusual port",
        ),
    ]

    def likely(got, want):
        if got.count(":") > want.count(":"):
            return (
                "the port was kept as written: drop it when it equals the scheme's default "
                "(DEFAULT_PORTS[scheme]: 80 for http, 443 for https)"
            )
        return (
            "a port was dropped that is not the default for this scheme: only 80 on http "
            "and 443 on https go; any other port names another server"
        )

    _check_canonical_rows(kata, rows, likely)
    _check_link_rows(
        kata,
        [("http://a.test:80/about", ["http://a.test/about"], "the same page as /about")],
        lambda href, got, want: "run canonical() on every link: it drops the default port",
    )


def test_empty_path_becomes_slash_and_the_query_stays(kata):
    rows = [
        (
            "http://a.test",
            "http://a.test/",
            "an empty path is the site's root: http://a.test and http://a.test/ are one page",
        ),
        ("http://a.test?page=2", "http://a.test/?page=2", "the root, with its query"),
        (
            "http://a.test/search?q=Ada&page=2",
            "http://a.test/search?q=Ada&page=2",
            "the query selects what the page shows (?page=2 is another page): keep it exactly",
        ),
        (
            "http://a.test/docs/",
            "http://a.test/docs/",
            "a trailing slash is part of the path: keep it",
        ),
    ]

    def likely(got, want):
        if "?" in want and "?" not in got:
            return "the query was dropped: only the fragment goes; the query stays as written"
        return "write an empty path as '/', and copy a non-empty path and the query unchanged"

    _check_canonical_rows(kata, rows, likely)


def test_fragments_are_dropped(kata):
    why_same_page = (
        "a fragment names a place in the same page; keep it and the crawler fetches the page twice"
    )
    _check_canonical_rows(
        kata,
        [
            ("http://a.test/x#top", "http://a.test/x", why_same_page),
            (
                "https://a.test/x?page=2#results",
                "https://a.test/x?page=2",
                "the fragment goes, the query stays",
            ),
        ],
        lambda got, want: (
            "the fragment was put back: rebuild the URL without it (an empty fragment in "
            "urlunsplit, or yarl's url.with_fragment(None))"
        ),
    )
    _check_link_rows(
        kata,
        [
            ("#top", ["http://a.test/x"], why_same_page),
            (
                "/guide#install",
                ["http://a.test/guide"],
                "#install is a place inside /guide: the server sends the same page without it",
            ),
        ],
        lambda href, got, want: (
            "the fragment survived: extract_links must return canonical() of each resolved "
            "link, and canonical() drops the fragment"
            if any("#" in url for url in got)
            else "resolve the href against the page with urljoin, then canonicalise it"
        ),
        page="http://a.test/x",
    )
    html = '<a href="/g#a">a</a> <a href="/g#b">b</a> <a href="/g">g</a>'
    got = _links(kata, html, "http://a.test/x")
    if got != ["http://a.test/g"]:
        fail(
            f"{html!r} on http://a.test/x gave {got!r}",
            "['http://a.test/g']: three links to one page, fetched three times if the "
            "fragments are kept",
            "drop the fragment in canonical(), then dedupe the canonical URLs",
        )


# -- which links -----------------------------------------------------------------------------


def test_relative_links_are_resolved_against_the_page(kata):
    rows = [
        ("intro", ["http://a.test/docs/intro"], "a relative path replaces the page's last segment"),
        ("../about", ["http://a.test/about"], "'..' goes one folder up from /docs/"),
        ("/", ["http://a.test/"], "an absolute path starts at the root of the same host"),
        ("?page=2", ["http://a.test/docs/guide?page=2"], "a query alone keeps the page's path"),
        (
            "//www.a.test/x",
            ["http://www.a.test/x"],
            "a scheme-relative link takes the page's scheme (http here)",
        ),
        ("", ["http://a.test/docs/guide"], "an empty href is a link to the page itself"),
    ]

    def likely(href, got, want):
        return (
            "resolve each href with urllib.parse.urljoin(page_url, href) (or yarl: "
            "URL(page_url).join(URL(href))): it handles all of these like a browser; gluing "
            "strings does not"
        )

    _check_link_rows(kata, rows, likely)
    _check_link_rows(
        kata,
        [("//www.a.test/y", ["https://www.a.test/y"], "on an https page it means https")],
        likely,
        page="https://a.test/docs/",
    )


def test_base_href_is_honoured(kata):
    page = "http://a.test/blog/2024/post"
    rows = [
        (
            '<a href="intro">no base</a>',
            ["http://a.test/blog/2024/intro"],
            "without a <base href>, links are relative to the page",
        ),
        (
            '<base href="http://a.test/docs/"><a href="intro">intro</a>',
            ["http://a.test/docs/intro"],
            "a <base href> replaces the page's URL as the base of every relative link",
        ),
        (
            '<base href="/static/"><a href="app">app</a>',
            ["http://a.test/static/app"],
            "a relative <base href> is itself resolved against the page first",
        ),
    ]
    for html, want, why in rows:
        got = _links(kata, html, page)
        if got != want:
            fail(
                f"{html!r} on {page} gave {got!r}",
                f"{want!r}: {why}",
                "find_hrefs(html) returns (hrefs, base_href): when base_href is set, resolve "
                "it against the page (urljoin(page_url, base_href)) and resolve the links "
                "against the result",
            )


def test_only_http_and_https_links_are_followed(kata):
    rows = [
        ("mailto:ada@a.test", [], "a mailto: link is an email address, not a page"),
        ("javascript:void(0)", [], "a javascript: link is code for the browser, not a page"),
        ("tel:+15550100", [], "a tel: link is a phone number, not a page"),
        ("data:text/html,hello", [], "a data: link carries its own content: nothing to fetch"),
        ("ftp://a.test/file.txt", [], "a web crawler fetches http and https only"),
        ("HTTPS://a.test/secure", ["https://a.test/secure"], "https is crawled, in any case"),
    ]

    def likely(href, got, want):
        if any(href in url for url in got):
            return (
                f"{href!r} was glued onto the page's folder as if it were a relative path. It "
                "has a scheme: urljoin(page_url, href) leaves it as it is, and canonical() "
                "must then reject every scheme but http and https"
            )
        if not want:
            return "canonical() must raise ValueError for every scheme but http and https"
        return "keep https links: both http and https (in any case) are crawled"

    _check_link_rows(kata, rows, likely, page="http://a.test/docs/")
    for url in ("mailto:ada@a.test", "javascript:void(0)", "ftp://a.test/file.txt"):
        _must_raise_value_error(
            kata,
            url,
            "only http and https URLs have a canonical form here",
            "check the scheme: anything but http or https raises ValueError",
        )


def test_only_allowed_domains_and_their_subdomains_are_kept(kata):
    allowed = {"a.test", "docs.b.test"}
    rows = [
        ("http://a.test/x", ["http://a.test/x"], "a.test itself is allowed"),
        ("http://www.a.test/x", ["http://www.a.test/x"], "www.a.test is a subdomain of a.test"),
        ("http://WWW.A.TEST/x", ["http://www.a.test/x"], "host names are case-insensitive"),
        ("http://api.docs.b.test/x", ["http://api.docs.b.test/x"], "under docs.b.test"),
        (
            "http://evila.test/x",
            [],
            "evila.test merely ends with the letters 'a.test': it is another site; a "
            "subdomain of a.test ends with '.a.test'",
        ),
        ("http://a.test.evil.test/x", [], "a.test.evil.test belongs to evil.test"),
        (
            "http://b.test/x",
            [],
            "b.test is the parent of docs.b.test, not under it: only docs.b.test and its "
            "subdomains are allowed",
        ),
        ("http://c.test/x", [], "c.test is not allowed"),
    ]

    def likely(href, got, want):
        if got and not want:
            return (
                "the host was matched by its letters, not by whole labels: "
                "host.endswith('a.test') lets evila.test in. Keep a host when "
                "host == domain or host.endswith('.' + domain)"
            )
        return (
            "an allowed host was dropped: keep the domain itself and every subdomain "
            "(host == domain or host.endswith('.' + domain)), comparing the lowercase host"
        )

    _check_link_rows(kata, rows, likely, page="http://a.test/", allowed=allowed)


def test_each_link_once_in_document_order(kata):
    html = (
        '<a href="/b">b</a> <a href="/a">a</a> <a href="/b#top">b again</a> '
        '<a href="HTTP://A.TEST/a">a again</a> <a href="/c">c</a> <a href="/a?x=1">a, x=1</a>'
    )
    page = "http://a.test/"
    want = ["http://a.test/b", "http://a.test/a", "http://a.test/c", "http://a.test/a?x=1"]
    got = _links(kata, html, page)
    if got == want:
        return
    if len(got) > len(set(got)):
        likely = (
            "the same canonical URL came back twice: remember the URLs already returned and "
            "skip them (compare canonical forms, not hrefs as written)"
        )
    elif sorted(got) == sorted(want):
        likely = (
            "the order was lost (a set has none): keep the first occurrence of each URL, in "
            "document order (dict.fromkeys(...) or a list plus a set of those seen)"
        )
    else:
        likely = "canonicalise each link, then keep the first occurrence of each"
    fail(
        f"{html!r} on {page} gave {got!r}",
        f"{want!r}: each page once, where it first appears (/b#top and HTTP://A.TEST/a are "
        "/b and /a again; /a?x=1 is another page)",
        likely,
    )


# -- robustness --------------------------------------------------------------------------------

BAD_URLS = [
    ("http://[::1", "an unclosed IPv6 bracket: urlsplit raises ValueError"),
    ("http://exa mple.test/", "a space in the host"),
    ("http://a.test:99999/", "a port above 65535"),
    ("http://a.test:port/", "a port that is not a number"),
    ("http:///no-host", "no host at all"),
    ("/relative/path", "not absolute: canonical() takes absolute URLs only"),
]


def test_bad_urls_are_skipped_not_raised(kata):
    for url, why in BAD_URLS:
        _must_raise_value_error(
            kata,
            url,
            why,
            "validate before building: the scheme, a host (host_is_valid), the port (urllib's "
            ".port raises ValueError by itself)",
        )
    page = "http://a.test/"
    for bad in ("http://[::1", "http://www .a.test/", "http://a.test:99999/", "http://a.test:x/"):
        html = f'<a href="{bad}">bad</a> <a href="/ok">ok</a>'
        got = _links(kata, html, page)
        if got != ["http://a.test/ok"]:
            fail(
                f"{html!r} on {page} gave {got!r}",
                "['http://a.test/ok']: the bad link is skipped, the good one kept",
                "skip a link when resolving or canonicalising it raises ValueError (urljoin "
                "raises too, for http://[::1), and keep going",
            )
    html = '<base href="http://[::1"><a href="/ok">ok</a>'
    got = _links(kata, html, page)
    if got != ["http://a.test/ok"]:
        fail(
            f"{html!r} on {page} gave {got!r}",
            "['http://a.test/ok']: an unusable <base href> is ignored (as browsers do), and "
            "the links resolve against the page",
            "resolving the <base href> raised ValueError: catch it and use the page's URL",
        )


def test_malformed_html_does_not_raise(kata):
    page = "http://a.test/"
    rows = [
        ("<p>unclosed <a href=/x>x <a href='/y'>y<div>", {"http://a.test/x", "http://a.test/y"}),
        ('<A HREF="/UP">shouting</A>', {"http://a.test/UP"}),
        ('<a href>bare</a> <a name="n">anchor</a> <a href="/ok">ok</a>', {"http://a.test/ok"}),
        ('<a href="/s?q=1&amp;page=2">entity</a>', {"http://a.test/s?q=1&page=2"}),
        ('<<a href="/w">>stray brackets< /a>', {"http://a.test/w"}),
        ('<a href="/before">b</a><!-- never closed <a href="/hidden">', {"http://a.test/before"}),
        ("", set()),
        ("no tags at all", set()),
        ("</", set()),
    ]
    for html, must_have in rows:
        got = _links(kata, html, page)
        missing = must_have - set(got)
        strangers = [u for u in got if not u.startswith("http://a.test/")]
        if missing or strangers:
            fail(
                f"{html!r} on {page} gave {got!r}",
                f"at least {sorted(must_have)} (the given parser finds them), and only "
                "canonical links on a.test",
                "use find_hrefs(html) for the hrefs and base, then resolve, canonicalise, "
                "filter and dedupe each one",
            )
