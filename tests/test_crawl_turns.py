"""A fetcher's lanes share their frontier calls (dojo/crawl/turns.py): lanes that ask while a
call is in flight go together in the next one, every lane gets its own URL, and a URL leased
for a lane cancelled meanwhile is not lost."""

from __future__ import annotations

import asyncio

import pytest

from dojo.crawl.frontier import FrontierActor
from dojo.crawl.report import FETCHED, Outcome, Visit
from dojo.crawl.turns import FrontierTurns

pytestmark = pytest.mark.timeout(60)

HOST = "turns.example.test"
SEEDS = [f"http://{HOST}/page-{i}" for i in range(12)]


def _frontier():
    return FrontierActor.remote(SEEDS, [HOST], 3, 100)


def _fetched(url: str) -> Visit:
    return Visit(url, Outcome(FETCHED, "200 text/html, 0 links", 200), ())


async def test_lanes_asking_together_share_one_call_and_each_get_a_url(ray_cluster):
    frontier = _frontier()
    turns = FrontierTurns(frontier, "w1")
    answers = await asyncio.gather(*(turns.done_and_lease(None) for _ in range(8)))
    urls = [url for [(url, _depth)] in answers]
    assert len(set(urls)) == 8 and set(urls) <= set(SEEDS), answers
    # All eight asked before the first call went out: one call carried them.
    assert turns.calls == 1
    assert (await frontier.stats.remote())["in_flight"] == 8


async def test_reports_go_with_the_next_lease_until_the_crawl_is_over(ray_cluster):
    frontier = _frontier()
    turns = FrontierTurns(frontier, "w1")

    async def lane() -> int:
        visits, report = 0, None
        while batch := await turns.done_and_lease(report):
            [(url, _depth)] = batch
            report, visits = _fetched(url), visits + 1
        return visits  # the last report went with the ask that got nothing

    assert sum(await asyncio.gather(*(lane() for _ in range(4)))) == len(SEEDS)
    assert await frontier.finished.remote()
    # A call per ask would be one per page plus each lane's last: 16.
    assert turns.calls < len(SEEDS) + 4, turns.calls


async def test_a_url_leased_for_a_cancelled_lane_goes_to_the_next_lane(ray_cluster):
    frontier = _frontier()
    turns = FrontierTurns(frontier, "w1")
    cancelled = asyncio.create_task(turns.done_and_lease(None))
    await asyncio.sleep(0)  # it has asked: the call is on its way
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    [(url, _depth)] = await turns.done_and_lease(None)
    stats = await frontier.stats.remote()
    # The next lane got the URL the cancelled lane's call leased; nothing else was leased.
    assert url == SEEDS[0] and stats["in_flight"] == 1, stats
