"""robots.txt as `dojo crawl` reads it (dojo.crawl.rfc9309: Protego in kata 25's cache) against
RFC 9309, where the standard library's parser (kata 25's lesson, left as it is) differs: the
longest match wins, not the first, and `*` and `$` are patterns. No Ray, no network: the
cache's fetch is a function that serves a robots.txt and counts the requests."""

from __future__ import annotations

import asyncio

import pytest

from dojo.crawl.fetch import USER_AGENT
from dojo.crawl.result import FetchResult
from dojo.crawl.rfc9309 import Rfc9309RobotsCache, Rfc9309Rules, rules_for
from dojo.crawl.robots import RobotsCache
from dojo.crawl.robots import rules_for as stdlib_rules_for

H = "http://docs.example.test"
A_THEN_AB = "User-agent: *\nDisallow: /a\nAllow: /a/b\n"
AB_THEN_A = "User-agent: *\nAllow: /a/b\nDisallow: /a\n"


def _served(body: str) -> FetchResult:
    return FetchResult(f"{H}/robots.txt", f"{H}/robots.txt", 200, "text/plain", body)


def _failed(status: int | None = None, error: str | None = None) -> FetchResult:
    return FetchResult(f"{H}/robots.txt", f"{H}/robots.txt", status, error=error)


def _rfc(body: str, path: str, agent: str = USER_AGENT) -> bool:
    return Rfc9309Rules(body).can_fetch(agent, f"{H}{path}")


def _stdlib(body: str, path: str) -> bool:
    return stdlib_rules_for(_served(body)).can_fetch(USER_AGENT, f"{H}{path}")


@pytest.mark.parametrize("body", [A_THEN_AB, AB_THEN_A], ids=["disallow-first", "allow-first"])
@pytest.mark.parametrize(
    ("path", "allowed"),
    [("/a/b", True), ("/a/b/c.html", True), ("/a", False), ("/a/c", False), ("/z", True)],
)
def test_the_longest_match_wins_in_either_order(body, path, allowed):
    assert _rfc(body, path) is allowed


def test_the_standard_library_applies_the_first_match_instead():
    """Why the real crawler does not use it: the same two rules, two answers by file order.
    (Kata 25's README says so; this keeps the README honest.)"""
    assert _stdlib(A_THEN_AB, "/a/b") is False  # RFC 9309: allowed
    assert _stdlib(AB_THEN_A, "/a/b") is True


def test_allow_wins_a_tie():
    """RFC 9309 2.2.2: an allow rule and a disallow rule of the same length: allow."""
    assert _rfc("User-agent: *\nDisallow: /page\nAllow: /page\n", "/page") is True


@pytest.mark.parametrize(
    ("rule", "path", "allowed"),
    [
        ("Disallow: /*.pdf$", "/manual.pdf", False),
        ("Disallow: /*.pdf$", "/guide/manual.pdf", False),
        ("Disallow: /*.pdf$", "/manual.pdf?page=2", True),  # `$`: the path ends there
        ("Disallow: /*.pdf$", "/manual.pdfx", True),
        ("Disallow: /*.pdf$", "/manual.html", True),
        ("Disallow: /api/*/private", "/api/v2/private", False),
        ("Disallow: /api/*/private", "/api/v2/private/key", False),
        ("Disallow: /api/*/private", "/api/private", True),
        ("Disallow: /search$", "/search", False),
        ("Disallow: /search$", "/search/help", True),
        ("Disallow: /*?session=", "/docs?session=1", False),
        ("Disallow: /*?session=", "/docs", True),
    ],
)
def test_star_and_dollar_are_patterns(rule, path, allowed):
    assert _rfc(f"User-agent: *\n{rule}\n", path) is allowed


def test_the_standard_library_reads_star_and_dollar_as_plain_characters():
    assert _stdlib("User-agent: *\nDisallow: /*.pdf$\n", "/manual.pdf") is True  # RFC: no


def test_our_group_is_chosen_by_product_token_as_a_whole_word():
    body = (
        "User-agent: Bot\nDisallow: /\n\n"
        "User-agent: dojo-crawler\nDisallow: /drafts/\n\n"
        "User-agent: *\nDisallow: /everyone-else/\n"
    )
    assert _rfc(body, "/drafts/x") is False  # our own group
    assert _rfc(body, "/everyone-else/x") is True  # ... obeyed whole: not the * group's rules
    assert _rfc(body, "/x", agent="BadBot/2.1") is True  # `Bot` is not BadBot: the * group
    assert _rfc(body, "/everyone-else/x", agent="BadBot/2.1") is False
    assert _rfc(body, "/x", agent="Bot/1.0") is False


def test_two_groups_for_one_robot_are_merged():
    """RFC 9309 2.2.1 (the standard library obeys the first group only)."""
    body = "User-agent: *\nDisallow: /x/\n\nUser-agent: *\nDisallow: /y/\n"
    assert _rfc(body, "/x/1") is False and _rfc(body, "/y/1") is False
    assert _stdlib(body, "/y/1") is True


def test_crawl_delay_of_our_group():
    body = "User-agent: dojo-crawler\nCrawl-delay: 3\n\nUser-agent: *\nCrawl-delay: 1\n"
    assert Rfc9309Rules(body).crawl_delay(USER_AGENT) == 3.0
    assert Rfc9309Rules(body).crawl_delay("OtherBot") == 1.0
    assert Rfc9309Rules("User-agent: *\nDisallow: /x\n").crawl_delay(USER_AGENT) is None


@pytest.mark.parametrize(
    ("result", "allowed"),
    [
        (_failed(404), True),
        (_failed(403), True),  # any 4xx: unavailable
        (_failed(503), False),  # unreachable
        (_failed(error="timeout"), False),
        (_failed(200, error="too_large"), False),
        (_served("User-agent: *\nDisallow: /private/\n"), False),
    ],
    ids=["404", "403", "503", "timeout", "too-large", "served"],
)
def test_the_failure_policy_is_kata_25s(result, allowed):
    """RFC 9309 2.3.1, as in dojo.crawl.robots.rules_for: any 4xx allows all, a 5xx or no
    answer disallows all (here /private/page is asked: the served file disallows it)."""
    assert rules_for(result).can_fetch(USER_AGENT, f"{H}/private/page") is allowed
    assert stdlib_rules_for(result).can_fetch(USER_AGENT, f"{H}/private/page") is allowed


class _Site:
    """A fetch for the caches: serves one robots.txt, counts the requests, and holds each
    answer until `release` is set (so that checks pile up on one fetch in flight)."""

    def __init__(self, body: str):
        self.body = body
        self.requested: list[str] = []
        self.asked = asyncio.Event()
        self.release = asyncio.Event()

    async def fetch(self, url: str) -> FetchResult:
        self.requested.append(url)
        self.asked.set()
        await self.release.wait()
        return FetchResult(url, url, 200, "text/plain", self.body)


async def test_the_real_crawlers_cache_is_kata_25s_cache_with_the_rfc_parser():
    site = _Site(A_THEN_AB)
    cache = Rfc9309RobotsCache(site.fetch, USER_AGENT, ttl=3600)
    checks = [asyncio.ensure_future(cache.allowed(f"{H}{p}")) for p in ("/a/b", "/a/c", "/z")]
    # Every check waits on the one fetch in flight; then all get its answer.
    await site.asked.wait()
    site.release.set()
    assert await asyncio.gather(*checks) == [True, False, True]
    assert await cache.allowed(f"{H}/a/b/deeper") is True
    assert site.requested == [f"{H}/robots.txt"], "robots.txt fetched once per origin"

    # Kata 25's own cache, with the same file: the standard library's first match.
    lesson = _Site(A_THEN_AB)
    lesson.release.set()
    assert await RobotsCache(lesson.fetch, USER_AGENT, ttl=3600).allowed(f"{H}/a/b") is False


def _redirect(url: str, to: str) -> FetchResult:
    return FetchResult(url, url, 301, "text/html", "", headers=(("Location", to),))


async def test_a_robots_txt_that_moved_is_followed_hop_by_hop():
    """RFC 9309 2.3.1.2: redirects are followed (five at least), even to another host; the
    crawler's fetch does not follow them (a page's redirects are links), so the cache does."""
    moved = {
        "http://docs.example.test/robots.txt": "https://docs.example.test/robots.txt",
        "https://docs.example.test/robots.txt": "https://cdn.example.test/docs/robots.txt",
    }
    asked: list[str] = []

    async def fetch(url: str) -> FetchResult:
        asked.append(url)
        if url in moved:
            return _redirect(url, moved[url])
        return FetchResult(url, url, 200, "text/plain", A_THEN_AB)

    cache = Rfc9309RobotsCache(fetch, USER_AGENT, ttl=3600)
    assert await cache.allowed("http://docs.example.test/a/b") is True
    assert await cache.allowed("http://docs.example.test/a/c") is False
    assert asked == [*moved, "https://cdn.example.test/docs/robots.txt"]


async def test_more_than_five_redirects_is_unreachable():
    asked: list[str] = []

    async def fetch(url: str) -> FetchResult:
        asked.append(url)
        return _redirect(url, f"/robots-{len(asked)}.txt")  # a chain without an end

    cache = Rfc9309RobotsCache(fetch, USER_AGENT, ttl=3600)
    assert await cache.allowed(f"{H}/anything") is False
    assert len(asked) == 6  # the file, then five redirects followed
