"""The links a fetcher has already told the frontier, so it does not tell them again.

A documentation site repeats its navigation on every page: of the python3-doc tree's ~100
links a page, most were on the page before. The frontier deduplicates every link it is
offered (it must: several fetchers find the same links), but each one costs it a canonical
form and a lookup, and costs both sides its pickling; on a fast site the crawl is bound by
that CPU. A fetcher that drops the links it already offered changes nothing in the frontier's
books: such a link is already queued, leased or resolved there, unless it was offered deeper
than now (a "depth" skip can come back at a smaller depth), which is why the depth it was
offered at is kept.
"""

from __future__ import annotations

import dataclasses

from dojo.crawl.report import Visit

# Links remembered per fetcher before the memory starts again (a filter, not the books:
# forgetting only means a link is offered once more). ~150 bytes each.
REMEMBER_AT_MOST = 200_000


class ToldLinks:
    """The links one fetcher offered the frontier, with the smallest depth offered at."""

    def __init__(self, at_most: int = REMEMBER_AT_MOST):
        self.at_most = at_most
        self._depth: dict[str, int] = {}
        self.dropped = 0  # links not offered again, for benchmarks

    def news(self, visit: Visit, depth: int) -> Visit:
        """`visit` of a page leased at `depth`, with only the links not yet offered at
        depth + 1 or less; remembers them as offered (call it when the visit is sent)."""
        if not visit.links:
            return visit
        link_depth = depth + 1
        if len(self._depth) + len(visit.links) > self.at_most:
            self._depth.clear()
        told = self._depth
        fresh = tuple(link for link in visit.links if told.get(link, link_depth + 1) > link_depth)
        for link in fresh:
            told[link] = link_depth
        self.dropped += len(visit.links) - len(fresh)
        return visit if len(fresh) == len(visit.links) else dataclasses.replace(visit, links=fresh)
