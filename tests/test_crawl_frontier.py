"""The crawler's frontier (dojo/crawl/frontier.py) beyond what kata 22's tests hold it to."""

from __future__ import annotations

import asyncio

from dojo.crawl.frontier import Frontier
from dojo.crawl.report import FETCHED, Outcome, Visit

START = "http://site.example.test/"


def test_a_worker_released_as_dead_is_leased_nothing_more():
    frontier = Frontier([START], ["site.example.test"], 3, 100)
    [(url, _)] = asyncio.run(frontier.lease("w1", 1))
    assert asyncio.run(frontier.release_worker("w1")) == 1
    # A lease call the dead worker sent before it died, arriving late: it gets nothing, so
    # nothing is held by a worker that will never report it.
    assert asyncio.run(frontier.lease("w1", 1)) == []
    assert asyncio.run(frontier.lease("w2", 1)) == [(url, 0)]
    page = Visit(url, Outcome(FETCHED, "200 text/html, 0 links", 200), ())
    assert asyncio.run(frontier.done("w2", page))
    assert asyncio.run(frontier.finished())
