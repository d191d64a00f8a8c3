"""A fetcher that does not offer the frontier a link it already offered (dojo/crawl/told.py)
leaves the frontier's books exactly as they would have been."""

from __future__ import annotations

import random

from dojo.crawl.frontier import Frontier
from dojo.crawl.report import FETCHED, Outcome, Visit
from dojo.crawl.told import ToldLinks

SITE = "http://site.example.test"


def _visit(url: str, links: list[str]) -> Visit:
    return Visit(url, Outcome(FETCHED, f"200 text/html, {len(links)} links", 200), tuple(links))


def test_a_link_offered_before_is_dropped_unless_now_shallower():
    told = ToldLinks()
    a, b, c = (f"{SITE}/{name}" for name in "abc")
    assert told.news(_visit(f"{SITE}/", [a, b]), depth=2).links == (a, b)
    assert told.news(_visit(f"{SITE}/x", [a, c]), depth=2).links == (c,)  # a: same depth
    assert told.news(_visit(f"{SITE}/y", [b]), depth=3).links == ()  # b: deeper now
    # Offered at depth 3 then, at 2 now: the frontier may have skipped it as too deep.
    assert told.news(_visit(f"{SITE}/z", [a, b]), depth=1).links == (a, b)
    assert told.dropped == 2


def test_memory_starts_again_past_its_limit():
    told = ToldLinks(at_most=3)
    links = [f"{SITE}/{n}" for n in range(3)]
    assert len(told.news(_visit(f"{SITE}/", links), depth=0).links) == 3
    # One more would pass the limit: everything is forgotten, so all are offered again.
    assert len(told.news(_visit(f"{SITE}/p", [*links, f"{SITE}/new"]), depth=0).links) == 4


async def _crawl(graph: dict[str, list[str]], seed: int, filtered: bool) -> dict:
    """A crawl of `graph` by two fetchers through a real Frontier, pages done in an order
    drawn from `seed` (out of order, so links reach the frontier deep first, then shallow)."""
    frontier = Frontier([f"{SITE}/0"], ["site.example.test"], max_depth=3, max_pages=10**6)
    told = {name: ToldLinks() for name in ("f1", "f2")}
    held: list[tuple[str, str, int]] = []
    draw = random.Random(seed)
    while not await frontier.finished():
        for name in told:
            held += [(name, url, depth) for url, depth in await frontier.lease(name, 3)]
        name, url, depth = held.pop(draw.randrange(len(held)))
        visit = _visit(url, graph[url])
        await frontier.done(name, told[name].news(visit, depth) if filtered else visit)
    return (await frontier.report()).outcomes


async def test_the_frontier_books_are_the_same_with_or_without_the_filter():
    pages = [f"{SITE}/{n}" for n in range(80)]
    shape = random.Random(5)
    # Every page links to a few others, and to a navigation bar every page shares.
    graph = {page: [*pages[:4], *shape.sample(pages, 5)] for page in pages}
    for seed in range(5):
        plain = await _crawl(graph, seed, filtered=False)
        assert plain == await _crawl(graph, seed, filtered=True), f"seed {seed}"
    assert any(o.reason == "depth" for o in plain.values())  # the depth rule was exercised
