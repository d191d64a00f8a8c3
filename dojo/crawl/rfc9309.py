"""robots.txt read as RFC 9309 says, for `dojo crawl`: Protego (the parser Scrapy uses) inside
kata 25's cache.

The standard library's urllib.robotparser, which kata 25 builds on, applies the FIRST rule of
a group that matches, in file order, and reads `*` and `$` as plain characters. RFC 9309
applies the most specific rule, the one with the longest match (section 2.2.2; Allow wins a
tie), and gives `*` (any characters) and `$` (end of the path) their meaning (2.2.3). On the
real web the two disagree: `Disallow: /a` above `Allow: /a/b` refuses /a/b to the first but
not to the second, and `Disallow: /*.pdf$` is a rule about PDF files only to the second.

Rfc9309Rules speaks the standard parser's language (can_fetch(user_agent, url),
crawl_delay(user_agent)), so the cache and the crawler ask both kinds of rules the same
questions; Rfc9309RobotsCache is kata 25's RobotsCache with these rules instead, and with
the redirects of a robots.txt followed (2.3.1.2), which the crawler's own fetch does not do
(it follows a page's redirects as links). The failure policy (2.3.1: 4xx allows all, 5xx or
no answer disallows all) is the same as kata 25's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urljoin

from protego import Protego

from dojo.crawl.result import FetchResult
from dojo.crawl.robots import RobotsCache, unavailable

ALLOW_ALL = ""  # no group at all: nothing is disallowed
DISALLOW_ALL = "User-agent: *\nDisallow: /\n"
# RFC 9309 2.3.1.2: follow at least five consecutive redirects, even to another host. (An
# http:// site that moved to https:// answers its old robots.txt with one.)
MAX_REDIRECTS = 5


class Rfc9309Rules:
    """One robots.txt's rules, parsed by Protego; asked like urllib.robotparser's."""

    def __init__(self, text: str):
        self._parsed = Protego.parse(text)

    def can_fetch(self, user_agent: str, url: str) -> bool:
        """May `user_agent` fetch `url`? Its own group (its product token, matched as a whole
        word: a group for `Bot` is not BadBot's), else the `*` group; then the rule with the
        longest match."""
        return self._parsed.can_fetch(url, user_agent)  # Protego's order: url first

    def crawl_delay(self, user_agent: str) -> float | None:
        """The Crawl-delay of `user_agent`'s group (not in the RFC: a common extension)."""
        return self._parsed.crawl_delay(user_agent)


def rules_for(result: FetchResult) -> Rfc9309Rules:
    """The rules a robots.txt answer gives: the served file, or RFC 9309's failure policy
    (as dojo.crawl.robots.rules_for: any 4xx allows all; 5xx or no answer disallows all)."""
    if result.ok:
        return Rfc9309Rules(result.body or "")
    return Rfc9309Rules(ALLOW_ALL if unavailable(result) else DISALLOW_ALL)


async def following_redirects(
    fetch: Callable[[str], Awaitable[FetchResult]], url: str
) -> FetchResult:
    """fetch(url), then fetch each redirect's target, up to MAX_REDIRECTS of them: the last
    answer, or a too_many_redirects failure. (The RFC lets a crawler take a longer chain as
    a missing robots.txt, which allows everything; this one is cautious and takes it as
    unreachable: nothing on that host is crawled until the next try.)"""
    for _ in range(MAX_REDIRECTS + 1):
        result = await fetch(url)
        location = result.header("Location")
        if result.status is None or not 300 <= result.status < 400 or not location:
            return result
        url = urljoin(url, location)
    return FetchResult(url, url, error="too_many_redirects", detail=f"over {MAX_REDIRECTS}")


class Rfc9309RobotsCache(RobotsCache):
    """Kata 25's cache (once per origin, shared fetch, TTL, failures cached), with the rules
    read as RFC 9309 says, and a robots.txt's redirects followed with `fetch`, hop by hop
    (so each hop goes through its own host's politeness gate, when `fetch` does)."""

    def __init__(self, fetch: Callable[[str], Awaitable[FetchResult]], *args, **kwargs):
        super().__init__(lambda url: following_redirects(fetch, url), *args, **kwargs)

    def _keep(self, origin: str, result: FetchResult) -> Rfc9309Rules:
        return self._store(origin, rules_for(result))
