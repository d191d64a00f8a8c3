"""A fetcher's lanes share their frontier calls (dojo/crawl/turns.py): lanes that ask while a
call is in flight go together in the next one, every lane gets its own URL, and a URL leased
for a lane cancelled meanwhile is not lost."""

from __future__ import annotations

import asyncio
import time

import pytest
import ray

from dojo.crawl.crawler import Gatekeeper
from dojo.crawl.frontier import FrontierActor
from dojo.crawl.report import FETCHED, Outcome, Visit
from dojo.crawl.turns import WAIT, FrontierTurns, PermitTurns
from dojo.web import Response, site_from_pages

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


# --- the gatekeeper's permits, shared the same way -------------------------------------------

ROBOTS = Response(content_type="text/plain", body="User-agent: *\nDisallow: /private\n")
SITE = site_from_pages({f"http://{HOST}/robots.txt": ROBOTS, f"http://{HOST}/": "<p>home"})


async def test_permits_that_need_no_waiting_share_one_call_and_the_others_are_told_wait(
    ray_cluster,
):
    gatekeeper = Gatekeeper.remote(SITE, None, 0.0, "gatekeeper", 3)
    turns = PermitTurns(gatekeeper, "w1")
    assert await gatekeeper.permits_in_turns.remote()
    # robots.txt not read yet: answering would mean fetching it, so no permit is given.
    assert await turns.leave_and_permit(None, SEEDS[0]) == WAIT
    first = await gatekeeper.leave_and_permit.remote("w1", None, SEEDS[0])  # reads robots.txt
    assert isinstance(first, float)

    asked = [(None, url) for url in SEEDS[1:5]] + [(None, f"http://{HOST}/private/x")]
    answers = await asyncio.gather(*(turns.leave_and_permit(*ask) for ask in asked))
    # 3 slots, 1 held: two permits at once, two told to wait, robots.txt's "no" at once.
    assert [type(a) for a in answers[:4]] == [float, float, str, str], answers
    assert answers[2:] == [WAIT, WAIT, None] and turns.calls == 2, (answers, turns.calls)

    # A slot given back in the shared call is free for a permit in the same call.
    left = (SEEDS[0], time.time())
    again = await turns.leave_and_permit(left, SEEDS[5])
    assert isinstance(again, float), again
    ray.kill(gatekeeper)


async def test_a_permit_taken_for_a_cancelled_lane_is_given_back(ray_cluster):
    gatekeeper = Gatekeeper.remote(SITE, None, 0.0, "gatekeeper", 2)
    await gatekeeper.leave_and_permit.remote("w0", None, SEEDS[0])  # reads robots.txt
    turns = PermitTurns(gatekeeper, "w1")
    cancelled = asyncio.create_task(turns.leave_and_permit(None, SEEDS[1]))
    await asyncio.sleep(0)  # it has asked: the call is on its way
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled

    # w0 holds one of the two slots; the cancelled lane's slot must come back.
    async def second_slot_free() -> bool:
        return (await gatekeeper.leave_many_and_permit_now.remote("w2", [], [SEEDS[2]]))[0] != WAIT

    deadline = time.monotonic() + 10
    while not await second_slot_free():
        assert time.monotonic() < deadline, "the cancelled lane's slot was never given back"
        await asyncio.sleep(0.05)
    ray.kill(gatekeeper)
