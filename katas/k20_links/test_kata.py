"""Kata 20 · Links: the tests your code must pass.

Pure functions, no Ray. Every test is a table: an input, the answer a crawler needs, and why.
A failure names the row, what came back, which part of it differs from the answer, and what
the wrong answer costs the crawl.
"""

import re
from urllib.parse import urlsplit

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


def _call(html: str, page: str, allowed) -> str:
    return f"extract_links({html!r}, {page!r}, {set(allowed)!r})"


def _links(kata, html: str, page: str = PAGE, allowed=ALLOWED, likely_if_raised=None) -> list:
    """extract_links(html, page, allowed), or a lesson when it raises. `likely_if_raised`:
    a function of the exception naming the mistake (default: the candidates)."""
    call = _call(html, page, allowed)
    try:
        result = kata.extract_links(html, page, set(allowed))
    except NotDoneYet:
        raise
    except Exception as raised:
        error = raised
    else:
        error = None
    if error is not None:  # failed outside the except: no chained traceback in the lesson
        fail(
            f"{call} raised {type(error).__name__}: {error}",
            "a list of links: a link that cannot be resolved or canonicalised is skipped",
            (likely_if_raised or _escaped("one of its links"))(error),
        )
    if not isinstance(result, list):
        fail(
            f"{call} returned a {type(result).__name__}: {result!r}",
            "a list of canonical URLs, in document order",
            "return a list (a set or a generator loses the order, or is used up once)",
        )
    return result


def _escaped(what: str):
    """The mistake behind an exception out of extract_links, read from its type."""

    def likely(error: Exception) -> str | list[str]:
        if isinstance(error, ValueError):
            return (
                f"the ValueError raised for {what} escaped extract_links, and one bad link "
                "would stop the whole crawl: catch ValueError around resolving and "
                "canonicalising each href (and the <base href>), skip it, and keep going"
            )
        return [
            f"canonical() raised {type(error).__name__} for {what}: it must raise ValueError "
            "for what it refuses (extract_links catches ValueError only)",
            f"a bug in extract_links itself ({type(error).__name__})",
        ]

    return likely


def _anchor(href: str) -> str:
    return f'<a href="{href}">link</a>'


def _query_params(query: str) -> list[str]:
    return [p for p in query.split("&") if p]


def _mistake_in(got: str, want: str) -> str:
    """What canonicalisation did wrong when it gave `got` for the page whose canonical URL is
    `want`: named from the part of the URL that differs."""
    try:
        g, w = urlsplit(got), urlsplit(want)
    except ValueError:
        return f"{got!r} is not even a URL: build the result with urlunsplit from the parts"
    if g.fragment and not w.fragment:
        return f"the fragment (#{g.fragment}) was kept: canonical() drops it"
    if g.scheme != w.scheme:
        return f"the scheme is {g.scheme!r} instead of {w.scheme!r}: lowercase the scheme"
    if g.netloc != w.netloc:
        if g.netloc.lower() == w.netloc:
            return "the host kept its case: lowercase the scheme and the host"
        if g.hostname == w.hostname and g.port is not None and w.port is None:
            return (
                f"the port {g.port} was kept: drop the port when it is the scheme's default "
                "(DEFAULT_PORTS)"
            )
        return f"the host part is {g.netloc!r} instead of {w.netloc!r}"
    if g.path != w.path:
        if not g.path and w.path == "/":
            return "an empty path stayed empty: write it as '/'"
        if g.path == w.path.lower():
            return (
                "the path was lowercased: only the scheme and the host are case-insensitive; "
                "paths and queries stay as written"
            )
        if _one_slash(g.path) == w.path:
            return (
                f"the path is {g.path!r} instead of {w.path!r}: the href was glued onto the "
                "page's URL as text; resolve each href with urllib.parse.urljoin(base_url, "
                "href), which knows '/x', '../x', '//host/x' and 'x' apart"
            )
        return f"the path is {g.path!r} instead of {w.path!r}"
    if g.query != w.query:
        if "&amp;" in g.query:
            return (
                "the href's HTML entities were not decoded (&amp; is &): take the hrefs from "
                "find_hrefs(html), whose parser decodes them"
            )
        if not g.query:
            return f"the query (?{w.query}) was dropped: only the fragment goes"
        if sorted(_query_params(g.query)) == sorted(_query_params(w.query)):
            return (
                f"the query's parameters were put in another order (?{g.query} instead of "
                f"?{w.query}): keep the query exactly as written, order included"
            )
        if g.query == w.query.lower():
            return "the query was lowercased: the query is case-sensitive, keep it as written"
        return f"the query is {g.query!r} instead of {w.query!r}: keep it exactly as written"
    return f"{got!r} is spelled differently from {want!r}"


def _one_slash(path: str) -> str:
    """The path with each run of slashes made one ('a//b' from gluing strings is 'a/b')."""
    return re.sub("/+", "/", path)


def _same_page(got: str, want: str) -> bool:
    """Does `got` look like a (wrong) spelling of `want`: same host name and path, ignoring
    case, port, query and fragment?"""
    try:
        g, w = urlsplit(got), urlsplit(want)
        return g.hostname == w.hostname and _one_slash(g.path).lower() in (w.path.lower(), "")
    except ValueError:
        return False


def _list_mistakes(kata, got: list, want: list, allowed=ALLOWED) -> str | list[str]:
    """The likely mistake (or the candidates) when extract_links gave `got` instead of `want`:
    read from the URLs that differ, never assumed."""
    if len(got) > len(set(got)):
        twice = sorted({u for u in got if got.count(u) > 1})
        return (
            f"{twice} came back more than once: remember the canonical URLs already returned "
            "and skip them"
        )
    missing = [u for u in want if u not in got]
    extra = [u for u in got if u not in want]
    for url in extra:  # a wrong spelling of a page that should be there
        twin = next((u for u in want if _same_page(url, u)), None)
        if twin is not None:
            return _mistake_in(url, twin)
    for url in missing:
        kind, value = _canonical(kata, url)
        if kind == "raised":
            return (
                f"canonical({url!r}) raised {type(value).__name__}: {value}, so the link was "
                "skipped; it is a valid http(s) URL"
            )
        if value != url:
            return _mistake_in(value, url)
        try:  # the same link in the plainest markup: is it kept there?
            plain = kata.extract_links(f'<a href="{url}">x</a>', url, set(allowed))
        except NotDoneYet:
            raise
        except Exception:
            plain = None
        if plain == [url]:
            return (
                f'the href of {url} was never found (a plain <a href="{url}"> is kept): '
                "take the hrefs from find_hrefs(html), whose html.parser copes with unquoted "
                "attributes, upper-case tags, entities and stray brackets; a regular "
                "expression does not"
            )
        return (
            f'{url} is dropped even from a plain <a href="{url}">: the domain or scheme '
            f"check refuses it ({set(allowed)} are the allowed domains)"
        )
    for url in extra:
        try:
            parts = urlsplit(url)
        except ValueError:
            return f"{url!r} is not a URL: return canonical URLs only"
        if parts.scheme not in ("http", "https"):
            return f"{url!r} was kept: only http and https links are crawled"
        host = parts.hostname or ""
        if not any(host == d or host.endswith("." + d) for d in allowed):
            return f"{url!r} was kept: its host is not an allowed domain or a subdomain of one"
        return (
            f"{url} is not a link of this page as the given parser reads it (a link inside "
            "an HTML comment?): take the hrefs from find_hrefs(html)"
        )
    return (
        "the right links in the wrong order: keep the first occurrence of each URL, in "
        "document order (dict.fromkeys(...), or a list plus a set of those seen; a set, or "
        "sorted(), loses the order)"
    )


def _resolved_elsewhere(href: str, got: list, want: list) -> str | None:
    """When one href gave one link for another page than the right one: a resolution slip."""
    if len(got) == 1 and len(want) == 1 and not _same_page(got[0], want[0]):
        return (
            f"{href!r} was resolved to {got[0]} instead of {want[0]}: resolve each href with "
            "urllib.parse.urljoin(base, href) (or yarl's URL(base).join(URL(href))), which "
            "handles '..', '?query', '#fragment', '//host' and the empty href like a browser"
        )
    return None


def _check_canonical_rows(kata, rows, likely=_mistake_in):
    """rows: (url, wanted canonical form, why). `likely(got, want)` names the mistake."""
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


def _check_link_rows(kata, rows, likely=None, page: str = PAGE, allowed=ALLOWED):
    """rows: (href, wanted links, why), each href alone in an <a> on `page`.
    `likely(href, got, want)` names the mistake; by default it is read from the URLs."""
    for href, want, why in rows:
        got = _links(kata, _anchor(href), page, allowed)
        if got != want:
            fail(
                f'`<a href="{href}">` on {page} gave {got!r}',
                f"{want!r}: {why}",
                (likely and likely(href, got, want))
                or _resolved_elsewhere(href, got, want)
                or _list_mistakes(kata, got, want, allowed),
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
        return _mistake_in(got, want)

    _check_canonical_rows(kata, rows, likely)
    _check_link_rows(
        kata,
        [("HTTP://WWW.A.TEST/Guide", ["http://www.a.test/Guide"], "links come back canonical")],
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
            "HTTP://A.TEST:80/",
            "http://a.test/",
            "default port and uppercase host: one page, http://a.test/",
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
        if urlsplit(got).port is not None and urlsplit(want).port is None:
            return (
                "the port was kept as written: drop it when it equals the scheme's default "
                "(DEFAULT_PORTS[scheme]: 80 for http, 443 for https)"
            )
        if urlsplit(got).port is None and urlsplit(want).port is not None:
            return (
                "a port was dropped that is not the default for this scheme: only 80 on http "
                "and 443 on https go; any other port names another server"
            )
        return _mistake_in(got, want)

    _check_canonical_rows(kata, rows, likely)
    _check_link_rows(
        kata, [("http://a.test:80/about", ["http://a.test/about"], "the same page as /about")]
    )


def test_an_empty_path_becomes_slash(kata):
    _check_canonical_rows(
        kata,
        [
            (
                "http://a.test",
                "http://a.test/",
                "an empty path is the site's root: http://a.test and http://a.test/ are one page",
            ),
            ("http://a.test?page=2", "http://a.test/?page=2", "the root, with its query"),
            (
                "http://a.test/docs/",
                "http://a.test/docs/",
                "a trailing slash is part of the path: keep it",
            ),
        ],
    )


def test_the_query_is_kept_exactly(kata):
    _check_canonical_rows(
        kata,
        [
            (
                "http://a.test/search?q=ada&page=2",
                "http://a.test/search?q=ada&page=2",
                "the query selects what the page shows (?page=2 is another page): keep it "
                "exactly, its order too (a server may read ?q=Ada&page=2 differently)",
            ),
            (
                "http://a.test/list?sort=name&dir=desc&sort=date",
                "http://a.test/list?sort=name&dir=desc&sort=date",
                "the order of the parameters is part of the query: keep it as written",
            ),
        ],
    )
    _check_link_rows(
        kata,
        [
            (
                "/search?q=ada&page=2",
                ["http://a.test/search?q=ada&page=2"],
                "links keep their query as written",
            )
        ],
    )


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
        page="http://a.test/x",
    )
    html = '<a href="/g#a">a</a> <a href="/g#b">b</a> <a href="/g">g</a>'
    want = ["http://a.test/g"]
    got = _links(kata, html, "http://a.test/x")
    if got != want:
        fail(
            f"{html!r} on http://a.test/x gave {got!r}",
            f"{want!r}: three links to one page, fetched three times if the fragments are kept",
            _list_mistakes(kata, got, want),
        )


BAD_URLS = [
    (
        "http://[::1",
        "an unclosed IPv6 bracket: a broken URL",
        "urlsplit raises ValueError for it by itself: let that error out of canonical()",
    ),
    (
        "http://exa mple.test/",
        "a space in the host",
        "the host was not checked: raise ValueError unless host_is_valid(parts.hostname)",
    ),
    (
        "http://a.test:99999/",
        "a port above 65535",
        "the port was not checked: urlsplit's .port raises ValueError for a port out of range "
        "or not a number; let it out (a bad port is not 'no port')",
    ),
    (
        "http://a.test:port/",
        "a port that is not a number",
        "the port was not checked: urlsplit's .port raises ValueError for a port out of range "
        "or not a number; let it out (a bad port is not 'no port')",
    ),
    (
        "http:///no-host",
        "no host at all",
        "a missing host gives .hostname None: raise ValueError yourself when there is none",
    ),
    (
        "/relative/path",
        "not absolute: canonical() takes absolute URLs only",
        "a relative URL has no scheme and no host: check that the scheme is http or https",
    ),
]


def test_canonical_refuses_what_is_not_a_web_url(kata):
    for url, why, likely in BAD_URLS:
        _must_raise_value_error(kata, url, why, likely)


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
        if not got:
            if not href:
                return (
                    "the empty href was skipped: it links to the page itself "
                    "(urljoin(page_url, '') is the page's URL)"
                )
            return None  # nothing came back: _list_mistakes looks for where it was lost
        return (
            f"{href!r} was resolved by hand: resolve each href with "
            "urllib.parse.urljoin(page_url, href) (or yarl: URL(page_url).join(URL(href))), "
            "which handles '..', '?query', '//host' and the empty href like a browser"
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
    # (html, the answer, why, {a wrong answer: the mistake it shows})
    rows = [
        (
            '<a href="intro">no base</a>',
            ["http://a.test/blog/2024/intro"],
            "without a <base href>, links are relative to the page",
            {},
        ),
        (
            '<base href="http://a.test/docs/"><a href="intro">intro</a>',
            ["http://a.test/docs/intro"],
            "a <base href> replaces the page's URL as the base of every relative link",
            {("http://a.test/blog/2024/intro",): "ignored"},
        ),
        (
            '<base href="/static/"><a href="app">app</a>',
            ["http://a.test/static/app"],
            "a relative <base href> is itself resolved against the page first",
            # Reached only once the absolute <base href> above was honoured.
            {("http://a.test/blog/2024/app",): "relative ignored", (): "unresolved"},
        ),
    ]
    mistakes = {
        "ignored": (
            "the <base href> was ignored: find_hrefs(html) returns (hrefs, base_href); when "
            "base_href is set, the links are relative to it"
        ),
        "relative ignored": (
            "a relative <base href> was ignored (an absolute one is used): resolve it against "
            "the page first (urljoin(page_url, base_href)), then resolve the links against that"
        ),
        "unresolved": (
            "the relative <base href> was used as it is, and no link could be resolved against "
            "it: resolve it against the page first (urljoin(page_url, base_href))"
        ),
    }
    for html, want, why, wrong in rows:
        got = _links(kata, html, page)
        if got != want:
            known = wrong.get(tuple(got))
            fail(
                f"{html!r} on {page} gave {got!r}",
                f"{want!r}: {why}",
                mistakes[known] if known else _list_mistakes(kata, got, want),
            )


def test_only_http_and_https_links_are_followed(kata):
    page = "http://a.test/docs/"
    rows = [
        ("mailto:ada@a.test", [], "a mailto: link is an email address, not a page"),
        ("javascript:void(0)", [], "a javascript: link is code for the browser, not a page"),
        ("tel:+15550100", [], "a tel: link is a phone number, not a page"),
        ("data:text/html,hello", [], "a data: link carries its own content: nothing to fetch"),
        ("ftp://a.test/file.txt", [], "a web crawler fetches http and https only"),
        ("HTTPS://a.test/secure", ["https://a.test/secure"], "https is crawled, in any case"),
    ]

    def likely(href, got, want):
        if any(url.startswith(page) and url.endswith(href) for url in got):
            return (
                f"{href!r} was glued onto the page's folder as if it were a relative path. It "
                "has a scheme: urljoin(page_url, href) leaves it as it is, and canonical() "
                "must then reject every scheme but http and https"
            )
        foreign = [url for url in got if urlsplit(url).scheme not in ("http", "https")]
        if foreign:
            return (
                f"{foreign[0]!r} came back: its scheme is not http(s), and canonical() must "
                "raise ValueError for every scheme but http and https"
            )
        if want:
            return "keep https links: both http and https (in any case) are crawled"
        return _list_mistakes(kata, got, want)

    _check_link_rows(kata, rows, likely, page=page)
    for url in ("mailto:ada@a.test", "javascript:void(0)", "ftp://a.test/file.txt"):
        _must_raise_value_error(
            kata,
            url,
            "only http and https URLs have a canonical form here",
            f"the scheme was not checked: {urlsplit(url).scheme}: is not http or https, and "
            "anything but http or https raises ValueError",
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
            host = urlsplit(got[0]).hostname
            return (
                f"{host} was let in because it ends with the letters of an allowed domain: "
                "compare whole labels, not letters (host.endswith('a.test') lets evila.test "
                "in). Keep a host when host == domain or host.endswith('.' + domain)"
            )
        if want and not got:
            return (
                "an allowed host was dropped: keep the domain itself and every subdomain "
                "(host == domain or host.endswith('.' + domain)), comparing the lowercase host"
            )
        return _list_mistakes(kata, got, want)

    _check_link_rows(kata, rows, likely, page="http://a.test/", allowed=allowed)


def test_each_link_once_in_document_order(kata):
    html = (
        '<a href="/b">b</a> <a href="/a">a</a> <a href="/b#top">b again</a> '
        '<a href="HTTP://A.TEST/a">a again</a> <a href="/c">c</a> <a href="/a?x=1">a, x=1</a>'
    )
    page = "http://a.test/"
    want = ["http://a.test/b", "http://a.test/a", "http://a.test/c", "http://a.test/a?x=1"]
    got = _links(kata, html, page)
    if got != want:
        fail(
            f"{html!r} on {page} gave {got!r}",
            f"{want!r}: each page once, where it first appears (/b#top and HTTP://A.TEST/a are "
            "/b and /a again; /a?x=1 is another page)",
            _list_mistakes(kata, got, want),
        )


# -- robustness --------------------------------------------------------------------------------


def test_a_bad_link_is_skipped_not_raised(kata):
    page = "http://a.test/"

    # urljoin itself raises ValueError for http://[::1; canonical() refuses the others (if
    # yours accepts one, test_canonical_refuses_what_is_not_a_web_url tells you so).
    for bad in ("http://[::1", "http://www .a.test/", "http://a.test:99999/", "http://a.test:x/"):
        if bad != "http://[::1" and _canonical(kata, bad)[0] == "ok":
            continue
        html = f'<a href="{bad}">bad</a> <a href="/ok">ok</a>'
        got = _links(kata, html, page, likely_if_raised=_escaped(f"the link {bad!r}"))
        if got != ["http://a.test/ok"]:
            fail(
                f"{html!r} on {page} gave {got!r}",
                "['http://a.test/ok']: the bad link is skipped, the good one kept",
                _list_mistakes(kata, got, ["http://a.test/ok"]),
            )
    html = '<base href="http://[::1"><a href="/ok">ok</a>'
    got = _links(kata, html, page, likely_if_raised=_escaped("resolving the unusable <base href>"))
    if got != ["http://a.test/ok"]:
        fail(
            f"{html!r} on {page} gave {got!r}",
            "['http://a.test/ok']: an unusable <base href> is ignored (as browsers do), and "
            "the links resolve against the page",
            "when the <base href> cannot be resolved, use the page's URL as the base",
        )


def test_malformed_html_gives_the_parsers_links(kata):
    page = "http://a.test/"
    rows = [
        ("<p>unclosed <a href=/x>x <a href='/y'>y<div>", ["http://a.test/x", "http://a.test/y"]),
        ('<A HREF="/loud">shouting</A>', ["http://a.test/loud"]),
        ('<a href>bare</a> <a name="n">anchor</a> <a href="/ok">ok</a>', ["http://a.test/ok"]),
        ('<a href="/s?q=1&amp;page=2">entity</a>', ["http://a.test/s?q=1&page=2"]),
        ('<<a href="/w">>stray brackets< /a>', ["http://a.test/w"]),
        ('<a href="/before">b</a><!-- never closed <a href="/hidden">', ["http://a.test/before"]),
        ("", []),
        ("no tags at all", []),
        ("</", []),
    ]
    for html, want in rows:
        got = _links(kata, html, page)
        if got != want:
            fail(
                f"{html!r} on {page} gave {got!r}",
                f"{want!r}: the links the given find_hrefs(html) finds, in canonical form",
                _list_mistakes(kata, got, want),
            )
